"""Small previews of photos, so a tablet lists a case's pictures without loading every full-size photo."""

import io
import warnings

from PIL import Image, ImageOps

SIZE = 320  # px, the longer side
Image.MAX_IMAGE_PIXELS = 80_000_000  # a 20 MB photo is far smaller; anything larger is refused as a bomb


def thumbnail(data: bytes) -> bytes | None:
    """Return a JPEG at most SIZE px on its longer side, or None when the bytes are not a picture Pillow reads."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.draft("RGB", (SIZE, SIZE))  # a JPEG is decoded at a reduced scale: fast on large photos
                small = ImageOps.exif_transpose(image) or image  # a tablet's photo stands as it was taken
                small.thumbnail((SIZE, SIZE))
                out = io.BytesIO()
                small.convert("RGB").save(out, "JPEG", quality=80)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return None
    return out.getvalue()
