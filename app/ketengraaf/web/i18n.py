"""Which language a reader gets; the interface text itself is in :mod:`ketengraaf.messages`.

The reader's language is chosen once per request (:func:`choose_lang`, run before
every request), in this order: ``?lang=`` (one of :func:`allowed_langs`, else 400),
the ``lang`` cookie (set when a reader switches language), ``Accept-Language``,
then the ``default_lang`` setting. Labels follow that language with the
fallback of :mod:`ketengraaf.labels` (then ``nl``, then ``en``, then any). The
interface itself exists in ``nl`` and ``en`` only: a reader asking for another
language gets labels in that language where they exist, and the interface in
Dutch (then English), the same fallback.
"""
from __future__ import annotations

from flask import g, request

from ..errors import InputError, KetengraafError
from ..labels import fallback_order, valid_lang
from ..messages import LANGS, text
from .context import settings
from .snapshot import snapshot

UI_LANGS = LANGS


def allowed_langs() -> list[str]:
    """What ``?lang=`` may be: the interface languages, then every language a label of the
    current catalogue is in (labels follow the reader's language; the interface falls back)."""
    snap = snapshot()
    found = snap.extra("label-langs", lambda s: sorted({lang for per in s.labels.labels.values()
                                                          for lang in per if lang}))
    return list(UI_LANGS) + [lang for lang in found if lang not in UI_LANGS]


def _allowed(lang: str) -> bool:
    """A regional variant of an allowed language is allowed too (``en-GB`` for ``en``)."""
    if not valid_lang(lang):
        return False
    primary = lang.lower().split("-", 1)[0]
    return primary in UI_LANGS or primary in allowed_langs()


def _negotiated() -> str:
    """The language without ``?lang=``: the ``lang`` cookie, ``Accept-Language``, the setting."""
    cookie = request.cookies.get("lang", "")
    try:
        if cookie and _allowed(cookie):
            return cookie.lower()
    except KetengraafError:         # the store is unavailable: the cookie cannot be checked, skip it
        pass
    best = request.accept_languages.best
    if best and best != "*" and valid_lang(best):
        return best.lower()
    return settings().default_lang


def choose_lang() -> None:
    """Before every request: validate ``?lang=`` once and fix the reader's language on ``g``.

    An unknown value is a 400 naming the allowed values; that error page itself is in the
    language the reader would get without the parameter."""
    lang = request.args.get("lang")
    if lang is None or lang == "":
        g.reader_lang = _negotiated()
        return
    if not _allowed(lang):
        g.reader_lang = _negotiated()
        raise InputError(text("error.bad_lang", ui_lang(), value=lang, allowed=", ".join(allowed_langs())))
    g.reader_lang = lang.lower()


def reader_lang() -> str:
    """The reader's language for this request (chosen by :func:`choose_lang`)."""
    if "reader_lang" not in g:          # a request that skipped the before-request hooks
        g.reader_lang = _negotiated()
    return g.reader_lang


def ui_lang(lang: str | None = None) -> str:
    for cand in fallback_order(lang or reader_lang()):
        if cand in UI_LANGS:
            return cand
    return UI_LANGS[0]


def t(key: str, **params) -> str:
    """Interface text for ``key`` (see :mod:`ketengraaf.messages`) in the reader's interface language."""
    return text(key, ui_lang(), **params)
