(module
  ;; core/nn.js's convolution (PyTorch's Conv2d and ConvTranspose2d, channel-last) with SIMD: for each output
  ;; position, the input pixels its kernel covers (its taps, listed by nn.js) times the weights re-laid as
  ;; [cout/8][k][k][cin][8], sixteen output channels (two groups of eight) at a time in four four-lane sums, in
  ;; float32; an input that is 0 (after a ReLU, about half) is skipped. Offsets are in bytes. The position table
  ;; holds, for each position, its tap count then `slots` pairs (the input pixel's first channel, the weights' first
  ;; row for that tap). The output is [positions][groups × 8].
  (memory (export "memory") 16)
  (func (export "conv") (param $x i32) (param $table i32) (param $positions i32) (param $slots i32)
        (param $w i32) (param $groups i32) (param $groupBytes i32) (param $cin i32) (param $bias i32) (param $y i32)
    (local $pos i32) (local $entry i32) (local $count i32) (local $g i32) (local $t i32) (local $ci i32)
    (local $xb i32) (local $wb i32) (local $v f32) (local $vs v128) (local $a v128) (local $b v128) (local $out i32)
    (local $entryBytes i32) (local $cinBytes i32)
    (local $c v128) (local $d v128) (local $wb2 i32) (local $second i32) (local $biasAt i32)
    (local.set $entryBytes (i32.shl (i32.add (i32.shl (local.get $slots) (i32.const 1)) (i32.const 1)) (i32.const 2)))
    (local.set $cinBytes (i32.shl (local.get $cin) (i32.const 2)))
    (local.set $out (local.get $y))
    (block $positionsDone
      (loop $position
        (br_if $positionsDone (i32.ge_u (local.get $pos) (local.get $positions)))
        (local.set $entry (i32.add (local.get $table) (i32.mul (local.get $pos) (local.get $entryBytes))))
        (local.set $count (i32.load (local.get $entry)))
        (local.set $g (i32.const 0))
        (block $groupsDone
          (loop $group
            (br_if $groupsDone (i32.ge_u (local.get $g) (local.get $groups)))
            ;; the second group of the pair: the next, or this one again (its sums unused) for an odd last group
            (local.set $second (select (i32.const 1) (i32.const 0)
                                       (i32.lt_u (i32.add (local.get $g) (i32.const 1)) (local.get $groups))))
            (local.set $a (v128.const f32x4 0 0 0 0))
            (local.set $b (v128.const f32x4 0 0 0 0))
            (local.set $c (v128.const f32x4 0 0 0 0))
            (local.set $d (v128.const f32x4 0 0 0 0))
            (local.set $t (i32.const 0))
            (block $tapsDone
              (loop $tap
                (br_if $tapsDone (i32.ge_u (local.get $t) (local.get $count)))
                (local.set $xb (i32.add (local.get $x)
                  (i32.load offset=4 (i32.add (local.get $entry) (i32.shl (local.get $t) (i32.const 3))))))
                (local.set $wb (i32.add (i32.add (local.get $w) (i32.mul (local.get $g) (local.get $groupBytes)))
                  (i32.load offset=8 (i32.add (local.get $entry) (i32.shl (local.get $t) (i32.const 3))))))
                (local.set $wb2 (i32.add (local.get $wb) (i32.mul (local.get $second) (local.get $groupBytes))))
                (local.set $ci (i32.const 0))
                (block $channelsDone
                  (loop $channel
                    (br_if $channelsDone (i32.ge_u (local.get $ci) (local.get $cinBytes)))
                    (local.set $v (f32.load (i32.add (local.get $xb) (local.get $ci))))
                    (if (f32.ne (local.get $v) (f32.const 0))
                      (then
                        (local.set $vs (f32x4.splat (local.get $v)))
                        (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $vs) (v128.load (local.get $wb)))))
                        (local.set $b (f32x4.add (local.get $b)
                                                 (f32x4.mul (local.get $vs) (v128.load offset=16 (local.get $wb)))))
                        (local.set $c (f32x4.add (local.get $c) (f32x4.mul (local.get $vs) (v128.load (local.get $wb2)))))
                        (local.set $d (f32x4.add (local.get $d)
                                                 (f32x4.mul (local.get $vs) (v128.load offset=16 (local.get $wb2)))))))
                    (local.set $wb (i32.add (local.get $wb) (i32.const 32)))
                    (local.set $wb2 (i32.add (local.get $wb2) (i32.const 32)))
                    (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
                    (br $channel)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tap)))
            ;; the sums plus the bias (padded to the groups' eight channels each)
            (local.set $biasAt (i32.add (local.get $bias) (i32.shl (local.get $g) (i32.const 5))))
            (v128.store (local.get $out) (f32x4.add (v128.load (local.get $biasAt)) (local.get $a)))
            (v128.store offset=16 (local.get $out) (f32x4.add (v128.load offset=16 (local.get $biasAt)) (local.get $b)))
            (if (local.get $second)
              (then
                (v128.store offset=32 (local.get $out) (f32x4.add (v128.load offset=32 (local.get $biasAt)) (local.get $c)))
                (v128.store offset=48 (local.get $out)
                            (f32x4.add (v128.load offset=48 (local.get $biasAt)) (local.get $d)))))
            (local.set $out (i32.add (local.get $out) (i32.shl (i32.add (local.get $second) (i32.const 1)) (i32.const 5))))
            (local.set $g (i32.add (local.get $g) (i32.const 2)))
            (br $group)))
        (local.set $pos (i32.add (local.get $pos) (i32.const 1)))
        (br $position)))))
