"""Time to make every rendition of a 12-megapixel phone photo, with and without `Image.draft`, side by side.

    .venv/bin/python bench/images.py [--runs 5]

The photo is made in memory: a demo photo (or, without one, a colour gradient) scaled to 4000x3000 with
sensor-like noise added, saved as a JPEG at quality 90, about the size a phone writes. Each figure is the
median of --runs runs of the pipeline's own code (`make_renditions`: checks, decode, orientation, colour,
resizes, encodes), then the same split into its parts, and WebP against JPEG encoding per width.
"""

import argparse
import statistics
import sys
import time
from io import BytesIO
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace.media import services  # noqa: E402  (after the path is set)

SIZE = (4000, 3000)
DEMO_PHOTOS = Path("/work/shared/demo-photos")


def phone_jpeg() -> bytes:
    demo = sorted(DEMO_PHOTOS.glob("*.jpg"))
    if demo:
        base = Image.open(demo[0]).convert("RGB")
        base = base.resize(SIZE, Image.Resampling.BICUBIC)
    else:
        base = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    # Upscaling leaves a soft picture that compresses unrealistically well; grain brings the bytes back.
    grain = Image.effect_noise(SIZE, 16).convert("RGB")
    photo = ImageChops.add(base, grain, scale=1.0, offset=-128)
    buf = BytesIO()
    photo.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def decoded(data: bytes, draft: bool) -> Image.Image:
    return services._decode(data, "jpeg", draft)


def resized(picture: Image.Image) -> list[tuple[int, Image.Image]]:
    return [(w, im.copy()) for w, im in services._resized(picture)]


def row(label: str, a: float, b: float) -> None:
    print(f"{label:<34}{a:>12.0f}{b:>12.0f}{a / b:>9.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    data = phone_jpeg()
    print(f"source: {SIZE[0]}x{SIZE[1]} JPEG, {len(data) / 1e6:.1f} MB; median of {runs} runs, milliseconds\n")

    print(f"{'':<34}{'no draft':>12}{'draft':>12}{'ratio':>10}")
    row("all renditions (6 files)", median_ms(lambda: services.make_renditions(data, draft=False), runs),
        median_ms(lambda: services.make_renditions(data, draft=True), runs))
    full, small = decoded(data, False), decoded(data, True)
    row(f"  decode (to {full.width} / {small.width} px wide)", median_ms(lambda: decoded(data, False), runs),
        median_ms(lambda: decoded(data, True), runs))
    row("  resize to 1280, 640, 320", median_ms(lambda: resized(full), runs), median_ms(lambda: resized(small), runs))

    print(f"\n{'encode (from the draft decode)':<34}{'webp':>12}{'jpeg':>12}{'ratio':>10}")
    for width, im in resized(small):
        row(f"  {width} px", median_ms(lambda im=im: services._encode(im, "webp"), runs),
            median_ms(lambda im=im: services._encode(im, "jpg"), runs))


if __name__ == "__main__":
    main()
