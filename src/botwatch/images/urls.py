"""Profile-picture URLs: the key that names one picture whatever CDN host, size or signature serves it.

:func:`avatar_key` is the rule the ``shared_avatar`` detector matches URL-only avatars by: the URL's path, with
host and query dropped (``sun1-50.userapi.com/s/v1/ig2/X.jpg`` and ``sun9-28.userapi.com/s/v1/ig2/X.jpg`` are
one file), and None for platform default pictures and paths too short to identify a picture.

:func:`picture_url_key` goes one step further, to tie a *downloaded* file to the account whose avatar URL it
came from: the CDNs serve one picture in several sizes under paths that differ only in a size marker, and the
capture and the download may have picked different ones (TikTok's ``avatarThumb`` ``/aweme/100x100/...`` or
``~c5_100x100.jpeg`` against ``avatarMedium`` ``720x720``; X's ``_normal`` against ``_400x400``; Instagram's
``/s150x150/`` segment; the file extension). Both sides are normalised the same way.

:func:`looks_like_profile_picture` says whether a URL is on a CDN path that serves only profile pictures
(known per platform); a file is tied to a post's author by post id only then, never a post's own image.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

DEFAULT_MARKERS = (
    "camera_",
    "deactivated",
    "default",
    "no_avatar",
    "noavatar",
    "blank",
    "placeholder",
    "default_profile",
    "anonymous",
)

# CDN path fragments that serve profile pictures only (checked on the lower-cased path).
PROFILE_PICTURE_PATHS = (
    "/profile_images/",  # X / Twitter: pbs.twimg.com/profile_images/<id>/<name>_normal.jpg
    "-avt-",  # TikTok: tos-maliva-avt-0068, tos-alisg-avt-0068, tos-useast2a-avt-0068-euttp
    "/t51.2885-19/",  # Instagram: profile pictures (posts are t51.2885-15, t51.29350-15, ...)
)

_SIZE_SEGMENT = re.compile(r"^(?:[spc]?\d{2,4}x\d{2,4}|aweme)$", re.IGNORECASE)
_SIZE_SUFFIX = re.compile(r"(?:~[^/]*|_(?:normal|bigger|mini|\d{2,4}x\d{2,4}))$", re.IGNORECASE)
_EXTENSION = re.compile(r"\.(?:jpe?g|png|gif|webp|heic|image)$", re.IGNORECASE)


def avatar_key(url: str | None) -> str | None:
    """The comparison key of an avatar URL, or None when it is missing or a default picture."""
    if not url:
        return None
    low = url.lower()
    if any(m in low for m in DEFAULT_MARKERS):
        return None
    parts = urlsplit(url.strip())
    key = parts.path if parts.scheme in ("http", "https") else url.strip()
    if len(key.strip("/")) < 12:  # too generic to identify an image
        return None
    return "path:" + key


def picture_url_key(url: str | None) -> str | None:
    """:func:`avatar_key` with size markers and the extension removed (see the module doc), or None."""
    key = avatar_key(url)
    if key is None:
        return None
    segments = [s for s in key.removeprefix("path:").split("/") if s and not _SIZE_SEGMENT.match(s)]
    if not segments:
        return None
    last = _EXTENSION.sub("", segments[-1])
    segments[-1] = _SIZE_SUFFIX.sub("", _EXTENSION.sub("", last)) or last
    return "picture:/" + "/".join(segments)


def looks_like_profile_picture(url: str | None) -> bool:
    """True when ``url`` is on a CDN path that serves profile pictures only (:data:`PROFILE_PICTURE_PATHS`)."""
    if not url:
        return False
    path = urlsplit(url.strip()).path.lower()
    return any(fragment in path for fragment in PROFILE_PICTURE_PATHS)
