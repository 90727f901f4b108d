(module
  ;; Adam, as torch.optim.Adam's single-tensor step, on n float32 values (n a multiple of 4) of the memory it imports
  ;; (TensorFlow.js's WebAssembly memory, where the weights, gradients and moments live): four lanes at a time, each
  ;; operation in PyTorch's order and precision (float32; its scalars rounded from double: 1 − β₁, 1 − β₂, the step
  ;; lr/(1 − β₁ᵗ), √(1 − β₂ᵗ), ε).
  (import "env" "memory" (memory 1))
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
        (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32) (param $step f32) (param $root2 f32)
        (param $eps f32)
    (local $i i32) (local $end i32) (local $gi v128) (local $mi v128) (local $vi v128)
    (local $one1 v128) (local $b2 v128) (local $one2 v128) (local $s v128) (local $r v128) (local $e v128)
    (local.set $one1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $one2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $s (f32x4.splat (local.get $step)))
    (local.set $r (f32x4.splat (local.get $root2)))
    (local.set $e (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
        ;; m ← m + (g − m)(1 − β₁)
        (local.set $mi (v128.load (i32.add (local.get $m) (local.get $i))))
        (local.set $mi (f32x4.add (local.get $mi) (f32x4.mul (f32x4.sub (local.get $gi) (local.get $mi)) (local.get $one1))))
        (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
        ;; v ← β₂v + (1 − β₂)·g·g (addcmul: the scalar times the first factor, then the second)
        (local.set $vi (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
                                  (f32x4.mul (f32x4.mul (local.get $one2) (local.get $gi)) (local.get $gi))))
        (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
        ;; p ← p − step · m / (√v / root2 + ε) (addcdiv: the scalar times m, then divided)
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i)))
            (f32x4.div (f32x4.mul (local.get $s) (local.get $mi))
                       (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vi)) (local.get $r)) (local.get $e)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $next)))))
