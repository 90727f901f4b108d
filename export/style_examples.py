"""Copy the style tab's example pictures into examples/style/, the paintings cropped to the painted area:
python -m export.style_examples [--source ../shared/images]

Trains nothing. The photos and the texture are copied as they are. The paintings lose what is not paint: The Starry
Night's black frame and the pale strip of bare canvas inside it, and a pale column and a dark row at the edges of
the Auvers street. Style transfer's Gram statistics would take them in and paint dark edges and rectangles.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from PIL import Image

OUT = Path(__file__).resolve().parent.parent / "examples" / "style"
COPIED = ("chelsea.jpg", "coffee.jpg", "astronaut.jpg", "rocket.jpg", "gravel.png")
CROPS = {                                          # (left, top, right, bottom) of the painted area, in the source
    "starry_night.jpg": (20, 18, 728, 576),        # of 752×600: a 7-8 px black frame, then up to 14 px bare canvas
    "auvers_van_gogh.jpg": (0, 0, 598, 470),       # of 600×471
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", default="../shared/images", help="the folder with the original pictures")
    p.add_argument("--out", default=str(OUT))
    args = p.parse_args()
    source, out = Path(args.source), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(source / name, out / name)
    for name, box in CROPS.items():
        with Image.open(source / name) as img:
            img.convert("RGB").crop(box).save(out / name, quality=95, subsampling=0)
    print(f"wrote {len(COPIED) + len(CROPS)} pictures to {out}")


if __name__ == "__main__":
    main()
