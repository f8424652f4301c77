"""The server-side cache of public certificate answers (the `/verify/<number>/` page, the public
API, and any other public answer about one certificate version).

A rendered answer is stored per certificate number (each version has its own number) and per
variant (page or API, language). Every entry is stamped with the generation of its certificate
family (the holder's certificates of one scheme: a version's page also shows the state of the
current version), and `invalidate(certificate)` starts a new generation, so one call hides every
stale answer of the family at once, in every worker sharing the cache (CACHE_URL).

Readers take the generation *before* reading the database and store under that generation, so
an answer rendered from data older than an invalidation is never served after it.

    entry = public_cache.get(number, variant)        # None, or a PublicAnswer
    gen = public_cache.generation_for(number)        # before the database read
    public_cache.set(number, variant, answer, family=..., generation=gen)
    public_cache.invalidate(certificate)             # after every change of the certificate
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

PREFIX = "pubcert:v1"


@dataclass(frozen=True)
class PublicAnswer:
    """A rendered public answer: body bytes, content type, status, validators."""

    content: bytes
    content_type: str
    status: int
    etag: str
    last_modified: float  # epoch seconds, when it was rendered

    @classmethod
    def build(cls, content: bytes, content_type: str, status: int = 200) -> PublicAnswer:
        digest = hashlib.blake2b(content, digest_size=16).hexdigest()
        return cls(content, content_type, status, f'"{digest}"', time.time())


def cache_alias() -> str:
    return getattr(settings, "PUBLIC_CACHE_ALIAS", "default")


def _cache():
    return caches[cache_alias()]


def _timeout() -> int:
    return int(getattr(settings, "PUBLIC_CACHE_TIMEOUT", 3600))


def normalise(number: str) -> str:
    return number.strip().upper()


def family_of(certificate) -> str:
    return f"{certificate.enterprise_id}-{certificate.scheme_id}"


def _generation_key(family: str) -> str:
    return f"{PREFIX}:gen:{family}"


def _digest(number: str) -> str:
    """The number as a cache-safe key part (a number as asked may hold any character)."""
    return hashlib.blake2b(normalise(number).encode(), digest_size=12).hexdigest()


def _family_key(number: str) -> str:
    return f"{PREFIX}:fam:{_digest(number)}"


def _entry_key(number: str, variant: str) -> str:
    return f"{PREFIX}:ans:{_digest(number)}:{variant}"


def generation(family: str) -> str:
    """The family's current generation (created when missing)."""
    key = _generation_key(family)
    value = _cache().get(key)
    if value is None:
        value = uuid.uuid4().hex
        if not _cache().add(key, value, timeout=None):
            value = _cache().get(key) or value
    return value


def generation_for(number: str) -> tuple[str, str] | None:
    """(family, generation) of the certificate `number` when it was answered before, else None.
    Read it before the database: an answer is stored only under a generation read before its
    data (the first answer for a number only records the number's family)."""
    family = _cache().get(_family_key(number))
    if family is None:
        return None
    return family, generation(family)


# The answers this process served last, with the generation each was stored under: a repeated
# answer then costs one small read of the shared cache (its family's generation, which every
# invalidation changes), not two with the whole body. Bounded; entries never change, they are
# only found stale.
_LOCAL: OrderedDict[str, tuple[str, str, PublicAnswer]] = OrderedDict()
LOCAL_SIZE = 512


@dataclass(frozen=True)
class Remembered:
    """An answer this process served, current while the shared cache holds `stamp` under
    `generation_key` (a key of the public cache, `cache_alias()`)."""

    generation_key: str
    stamp: str
    answer: PublicAnswer


def remembered(number: str, variant: str) -> Remembered | None:
    """The answer this process served last for `number` in `variant`, not yet checked against
    the current generation: for a caller that reads `generation_key` in the same round trip
    as other work (the public API, with its rate limit). `get` checks it itself."""
    key = _entry_key(number, variant)
    local = _LOCAL.get(key)
    if local is None:
        return None
    with contextlib.suppress(KeyError):  # another thread dropped it meanwhile
        _LOCAL.move_to_end(key)
    family, stamp, answer = local
    return Remembered(_generation_key(family), stamp, answer)


def get(number: str, variant: str) -> PublicAnswer | None:
    """The cached answer for `number` in `variant`, or None when absent or stale."""
    local = remembered(number, variant)
    if local is not None and _cache().get(local.generation_key) == local.stamp:
        return local.answer
    key = _entry_key(number, variant)
    entry = _cache().get(key)
    if entry is None:
        return None
    family, stamp, answer = entry
    if _cache().get(_generation_key(family)) != stamp:
        return None
    _LOCAL[key] = entry
    if len(_LOCAL) > LOCAL_SIZE:
        _LOCAL.popitem(last=False)
    return answer


def set(
    number: str, variant: str, answer: PublicAnswer, *, family: str, before: tuple | None
) -> None:
    """Store `answer` for `number` of `family`, under the generation `before` that
    `generation_for` gave before the data was read. Without one (the number's first answer),
    only the family is recorded: the next answer is stored."""
    values = {_family_key(number): family}
    if before is not None and before[0] == family:
        values[_entry_key(number, variant)] = (family, before[1], answer)
    _cache().set_many(values, timeout=_timeout())


def get_many(numbers: list[str], variant: str) -> dict[str, PublicAnswer]:
    """number → its cached, current answer in `variant`, for those of `numbers` that have one
    (two cache round trips whatever the count: the entries, then their generations)."""
    keys = {_entry_key(number, variant): number for number in numbers}
    entries = _cache().get_many(list(keys))
    families = {family for family, _stamp, _answer in entries.values()}
    current = _cache().get_many([_generation_key(family) for family in families])
    return {
        keys[key]: answer
        for key, (family, stamp, answer) in entries.items()
        if current.get(_generation_key(family)) == stamp
    }


def generations_for(numbers: list[str]) -> dict[str, tuple[str, str]]:
    """`generation_for` of many numbers at once (two cache round trips); numbers never
    answered before are left out."""
    keys = {_family_key(number): number for number in numbers}
    families = {keys[key]: family for key, family in _cache().get_many(list(keys)).items()}
    stamps = _cache().get_many([_generation_key(f) for f in dict.fromkeys(families.values())])
    result = {}
    for number, family in families.items():
        stamp = stamps.get(_generation_key(family))
        result[number] = (family, stamp) if stamp is not None else (family, generation(family))
    return result


def set_many(variant: str, answers: list[tuple[str, PublicAnswer, str, tuple | None]]) -> None:
    """`set` of many (number, answer, family, generation read before the data) at once."""
    values = {}
    for number, answer, family, before in answers:
        values[_family_key(number)] = family
        if before is not None and before[0] == family:
            values[_entry_key(number, variant)] = (family, before[1], answer)
    if values:
        _cache().set_many(values, timeout=_timeout())


def invalidate(certificate) -> None:
    """Every cached answer about `certificate` and the other versions of its family is stale
    from now on (a new generation)."""
    _cache().set(_generation_key(family_of(certificate)), uuid.uuid4().hex, timeout=None)
