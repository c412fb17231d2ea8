"""A chain diagram as SVG text, written by hand (no library, no binary).

``render_svg(model, href=...)`` returns one ``<svg>`` element, fit to embed in a
page or to save as a file:

- ``width="100%"`` with a ``viewBox``, never wider than its natural size and never
  narrower than the size at which the smallest text is 12 px (a page puts it in a
  container that scrolls sideways on a phone);
- ``role="img"`` with ``<title>`` and ``<desc>`` (``aria-labelledby``); the
  description says in words what the picture shows; every text is real ``<text>``;
- every box (process, goal, partner lane) is a link, ``href(iri)`` (default: the IRI),
  and carries ``data-iri``; every arrow carries ``data-rel``, ``data-from`` and
  ``data-to`` (IRIs of the boxes it joins);
- meaning never rests on colour alone: each kind of arrow has its own line style and
  head, named in the legend; goals, main process and sub-processes differ in shape;
- the same model gives the same bytes (sorted input, fixed number format, ids
  derived from the chain IRI).
"""
from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable

from ..messages import text
from ..store import Store
from .layout import FS, FS_SMALL, LH, LH_SMALL, PAD_X, PAD_Y, Box, Layout, Line, layout
from .model import ChainModel, build_model
from .text import fmt

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', 'DejaVu Sans', sans-serif"
MIN_TEXT_PX = 12

# The words of the diagram itself (labels of things come from the data), in ketengraaf.messages.
WORDS = ("main", "with", "responsible", "goal", "goals", "lead", "no_role", "unknown_executor",
         "model_orkestratie", "model_estafette", "model_doel", "model_keten", "legend_process", "legend_sub",
         "legend_afhankelijk", "legend_namens", "legend_deelproces", "legend_doel", "title", "desc_partners",
         "desc_goals", "desc_processes", "desc_by", "desc_unknown", "desc_sub", "desc_namens", "desc_needs",
         "desc_main", "desc_none")

# line style per arrow kind: stroke, width, dash, marker
STYLE = {
    "afhankelijk": ("#1f3a5f", "2", None, "dicht"),
    "namens": ("#8a4b08", "1.6", "7 4", "open"),
    "deelproces": ("#4d4d4d", "1.4", "2 3", "bol"),
    "doel": ("#2e6b30", "1.8", "10 3 2 3", "dicht"),
}

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: str) -> str:
    """``text`` safe inside an XML element or a double-quoted attribute."""
    text = _INVALID_XML.sub("\ufffd", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\n", "&#10;").replace("\t", "&#9;").replace("\r", "&#13;"))


def words(lang: str) -> dict[str, str]:
    return {key: text("diagram." + key, lang) for key in WORDS}


def render_svg(model: ChainModel, href: Callable[[str], str] | None = None, *, id_prefix: str | None = None,
               narrow: bool = False) -> str:
    """The diagram of ``model`` as an ``<svg>`` element (text). ``href`` maps an IRI to the URL a box
    links to (default: the IRI itself); ``id_prefix`` makes the ids inside unique on a page (default:
    derived from the chain IRI and ``narrow``); ``narrow``: everything in one column, for phones."""
    href = href or (lambda iri: iri)
    t = words(model.lang)
    lay = layout(model, t, narrow=narrow)
    pid = id_prefix or "kd-" + hashlib.sha1(model.iri.encode()).hexdigest()[:8] + ("n" if narrow else "")
    w, h = lay.width, lay.height
    min_w = math.ceil(w * MIN_TEXT_PX / min(FS, FS_SMALL))
    out: list[str] = []
    add = out.append
    add(f'<svg xmlns="{SVG_NS}" viewBox="0 0 {fmt(w)} {fmt(h)}" width="100%" role="img" '
        f'aria-labelledby="{pid}-title {pid}-desc" '
        f'class="ketendiagram ketendiagram-{model.model}{" ketendiagram-smal" if narrow else ""}" '
        f'data-iri="{esc(model.iri)}" data-model="{model.model}" lang="{esc(model.lang)}" '
        f'style="max-width:{fmt(w)}px;min-width:{min(min_w, math.ceil(w))}px;height:auto" '
        f'font-family="{esc(FONT)}" font-size="{FS}">')
    add(f'<title id="{pid}-title">{esc(t["title"] + ": " + model.label + " (" + model.model_label + ")")}</title>')
    add(f'<desc id="{pid}-desc">{esc(describe(model, t))}</desc>')
    add(_defs(pid))
    add(f'<rect x="0" y="0" width="{fmt(w)}" height="{fmt(h)}" fill="#ffffff"/>')
    # title
    add('<g class="kop">')
    out.extend(_lines(lay.title, 12, lay.title_y, "#1a1a1a"))
    add("</g>")
    # goal band and lanes (backgrounds)
    if lay.goal_band:
        x, y, bw, bh = lay.goal_band
        add(f'<g class="doelen"><rect x="{fmt(x)}" y="{fmt(y)}" width="{fmt(bw)}" height="{fmt(bh)}" rx="6" '
            f'fill="#fffaf0" stroke="#b08a3e" stroke-width="1"/>')
        out.extend(_lines(lay.goal_header, x + PAD_X, lay.goal_header_y, "#5c4200"))
        add("</g>")
    add('<g class="banen">')
    for i, lane in enumerate(lay.lanes):
        fill = "#eaf1fa" if lane.lead else ("#f5f6f8" if i % 2 == 0 else "#ffffff")
        data = f' data-iri="{esc(lane.iri)}"' if lane.iri else ""
        add(f'<rect class="baan{" baan-leidend" if lane.lead else ""}" data-kind="lane"{data} x="{fmt(lane.x)}" '
            f'y="{fmt(lane.y)}" width="{fmt(lane.w)}" height="{fmt(lane.h)}" fill="{fill}" stroke="#7b8595" '
            f'stroke-width="{"2.5" if lane.lead else "1"}"/>')
    add("</g>")
    # arrows under the boxes
    add('<g class="pijlen" fill="none">')
    for a in lay.arrows:
        stroke, sw, dash, marker = STYLE[a.rel]
        d = "M" + " L".join(f"{fmt(x)} {fmt(y)}" for x, y in a.points)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        add(f'<path class="pijl pijl-{a.rel}" data-rel="{a.rel}" data-from="{esc(a.src)}" data-to="{esc(a.dst)}" '
            f'd="{d}" stroke="{stroke}" stroke-width="{sw}"{dash_attr} stroke-linejoin="round" '
            f'marker-end="url(#{pid}-{a.rel})"/>')
    add("</g>")
    # boxes
    add('<g class="vakken">')
    for b in sorted(lay.boxes, key=lambda b: (b.kind, b.y, b.x, b.iri)):
        out.extend(_box(b, href, model))
    add("</g>")
    # lane headers on top (their text gets a white halo where an arrow passes under it)
    add('<g class="baankoppen">')
    for lane in lay.lanes:
        text = _lines(lane.header, lane.x + PAD_X, lane.header_y, "#1a1a1a", halo=True)
        if lane.iri:
            add(f'<a href="{esc(href(lane.iri))}"><g class="baankop" data-partner="{esc(lane.iri)}">')
            add(f"<title>{esc(' — '.join(ln.text for ln in lane.header))}</title>")
            out.extend(text)
            add("</g></a>")
        else:
            out.extend(text)
    add("</g>")
    out.extend(_legend(lay, pid))
    add("</svg>")
    return "\n".join(out) + "\n"


def chain_svg(store: Store, chain: str, lang: str = "nl", href: Callable[[str], str] | None = None, *,
              id_prefix: str | None = None, narrow: bool = False) -> str:
    """The diagram of chain ``chain`` (its IRI) in ``store``: :func:`~.model.build_model` and
    :func:`render_svg` in one call. Raises :class:`~ketengraaf.errors.NotFound` for a non-chain."""
    return render_svg(build_model(store, chain, lang), href, id_prefix=id_prefix, narrow=narrow)


def _defs(pid: str) -> str:
    parts = ["<defs>"]
    for rel, (stroke, _, _, kind) in sorted(STYLE.items()):
        if kind == "dicht":
            shape = f'<path d="M0 0 L8 4 L0 8 z" fill="{stroke}"/>'
        elif kind == "open":
            shape = f'<path d="M0.8 0.8 L8 4 L0.8 7.2" fill="#ffffff" stroke="{stroke}" stroke-width="1.4"/>'
        else:
            shape = f'<circle cx="4" cy="4" r="3.2" fill="{stroke}"/>'
        ref = "8" if kind != "bol" else "7"
        parts.append(f'<marker id="{pid}-{rel}" viewBox="0 0 8 8" refX="{ref}" refY="4" markerWidth="8" '
                     f'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">{shape}</marker>')
    parts.append("</defs>")
    return "".join(parts)


def _lines(lines: list[Line], x: float, top: float, fill: str, *, halo: bool = False) -> list[str]:
    out = []
    y = top
    for ln in lines:
        lh = LH if ln.size >= FS else LH_SMALL
        base = y + lh * 0.75
        attrs = f' font-size="{ln.size}"'
        if ln.bold:
            attrs += ' font-weight="bold"'
        if ln.italic:
            attrs += ' font-style="italic"'
        if halo:
            attrs += ' stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"'
        out.append(f'<text x="{fmt(x)}" y="{fmt(base)}" fill="{fill}"{attrs}>{esc(ln.text)}</text>')
        y += lh
    return out


def _box(b: Box, href: Callable[[str], str], model: ChainModel) -> list[str]:
    if b.kind == "goal":
        rect = (f'<rect x="{fmt(b.x)}" y="{fmt(b.y)}" width="{fmt(b.w)}" height="{fmt(b.h)}" rx="14" '
                f'fill="#fff3d6" stroke="#8a5a00" stroke-width="2"/>')
        cls, kind = "vak vak-doel", "goal"
    else:
        sw = "3" if b.main else ("1" if b.sub else "1.6")
        fill = "#ffffff" if not b.sub else "#fbfbfc"
        rx = "9" if b.sub else "2"
        rect = (f'<rect x="{fmt(b.x)}" y="{fmt(b.y)}" width="{fmt(b.w)}" height="{fmt(b.h)}" rx="{rx}" '
                f'fill="{fill}" stroke="#1f3a5f" stroke-width="{sw}"/>')
        cls = "vak vak-proces" + (" vak-deelproces" if b.sub else "") + (" vak-hoofdproces" if b.main else "")
        kind = "process"
    tooltip = " ".join(ln.text for ln in b.lines)
    out = [f'<a href="{esc(href(b.iri))}"><g class="{cls}" data-kind="{kind}" data-iri="{esc(b.iri)}">',
           f"<title>{esc(tooltip)}</title>", rect]
    out.extend(_lines(b.lines, b.x + PAD_X, b.y + PAD_Y, "#1a1a1a"))
    out.append("</g></a>")
    return out


def _legend(lay: Layout, pid: str) -> list[str]:
    out = ['<g class="legenda">']
    y = lay.legend_y
    x0 = 12.0
    for key, lines in lay.legend:
        mid = y + 10
        if key in STYLE:
            stroke, sw, dash, _ = STYLE[key]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<path d="M{fmt(x0 + 2)} {fmt(mid)} L{fmt(x0 + 40)} {fmt(mid)}" fill="none" stroke="{stroke}" '
                       f'stroke-width="{sw}"{dash_attr} marker-end="url(#{pid}-{key})"/>')
        elif key == "process":
            out.append(f'<rect x="{fmt(x0 + 4)}" y="{fmt(mid - 7)}" width="34" height="14" rx="2" fill="#ffffff" '
                       f'stroke="#1f3a5f" stroke-width="1.6"/>')
        else:
            out.append(f'<rect x="{fmt(x0 + 4)}" y="{fmt(mid - 7)}" width="34" height="14" rx="7" fill="#fbfbfc" '
                       f'stroke="#1f3a5f" stroke-width="1"/>')
        ty = y
        for line in lines:
            out.append(f'<text x="{fmt(x0 + 52)}" y="{fmt(ty + LH_SMALL * 0.75)}" font-size="{FS_SMALL}" '
                       f'fill="#1a1a1a">{esc(line)}</text>')
            ty += LH_SMALL
        y += max(len(lines) * LH_SMALL, 20) + 4
    out.append("</g>")
    return out


def describe(model: ChainModel, t: dict[str, str] | None = None) -> str:
    """The diagram in words (the ``<desc>``): model, partners in lane order, goals, processes."""
    t = t or words(model.lang)
    parts = [f"{model.label}: {model.model_label}"
             + (f", {model.horizontal_label}" if model.horizontal_label else "") + "."]
    partners = []
    for partner in model.partners:
        role = partner.role_label or t["no_role"]
        if partner.lead:
            role += ", " + t["lead"]
        partners.append(f"{partner.label} ({role})")
    parts.append(f"{t['desc_partners']}: {'; '.join(partners) or t['desc_none']}.")
    if model.goals:
        parts.append(f"{t['desc_goals']}: {'; '.join(g.label for g in model.goals)}.")
    procs = []
    for p in model.processes:
        bits = [p.label + (f" ({t['desc_main']})" if p.main else "")]
        if p.parent:
            bits.append(f"{t['desc_sub']} {model.label_of(p.parent)}")
        bits.append(f"{t['desc_by']} {', '.join(model.label_of(e) for e in p.executors)}" if p.executors
                    else t["desc_unknown"])
        if p.on_behalf_of:
            bits.append(f"{t['desc_namens']} {', '.join(model.label_of(n) for n in p.on_behalf_of)}")
        if p.depends_on:
            bits.append(f"{t['desc_needs']} {', '.join(model.label_of(d) for d in p.depends_on)}")
        procs.append(", ".join(bits))
    parts.append(f"{t['desc_processes']}: {'; '.join(procs) or t['desc_none']}.")
    return " ".join(parts)
