"""The one place values from users and API callers are checked. Each check returns the value as the model code
wants it, or raises ValueError with the sentence the user reads; the library, the endpoints and the tabs all call
these (the UI turns the ValueError into a message in the page)."""
from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Sequence
from typing import TypeVar

MAX_SEED = 2 ** 31 - 1     # seeds for noise and for the GAN: whole numbers 0 … MAX_SEED

T = TypeVar("T")


def _span(lo: float, hi: float) -> str:
    def show(x: float) -> str:
        return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"
    return f"≥ {show(lo)}" if hi == math.inf else f"from {show(lo)} to {show(hi)}"


def number(value, what: str, lo: float, hi: float) -> float:
    """A finite number lo … hi. `what` starts the message: 'The truncation', 'z1'."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}.") from None
    if not (math.isfinite(f) and lo <= f <= hi):
        raise ValueError(f"{what} must be a number {_span(lo, hi)}, got {value!r}.")
    return f


def whole(value, what: str, lo: int, hi: int) -> int:
    """A whole number lo … hi (2.0 is fine, 2.5 is not)."""
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a whole number, got {value!r}.") from None
    if not (math.isfinite(f) and f.is_integer() and lo <= f <= hi):
        raise ValueError(f"{what} must be a whole number {_span(lo, hi)}, got {value!r}.")
    return int(f)


def one_of(value: T, what: str, choices: Sequence[T]) -> T:
    """One of `choices`; the message lists them."""
    if value not in choices:
        names = [str(c) for c in choices]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        raise ValueError(f"Unknown {what} {value!r}: choose {listed}.")
    return value


def seed(value) -> int:
    """A seed for noise or the GAN."""
    return whole(value, "The seed", 0, MAX_SEED)


def model_file(data: str | bytes, most: int) -> bytes:
    """A model file sent as bytes or base64 text (a model trained in the page), at most `most` bytes once decoded."""
    if isinstance(data, str):
        if len(data) > (most + 2) // 3 * 4:
            raise ValueError(f"The model file is too large: at most {most / 2**20:.1f} MB.")
        try:
            data = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("The model file is not base64 text.") from None
    if not isinstance(data, bytes) or not data:
        raise ValueError("No model file was sent: train a VAE first.")
    if len(data) > most:
        raise ValueError(f"The model file is too large: at most {most / 2**20:.1f} MB.")
    return data
