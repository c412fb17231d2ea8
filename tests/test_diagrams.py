"""Chain diagrams: the model read from the shipped chains, and the geometry of the SVG.

Every shipped chain and generated chains (2 to 15 partners, sub-processes 2-3 levels
deep, for each of the three models) are drawn and the SVG is parsed back: valid XML in
the SVG namespace, no two boxes overlap, every line of text fits its box, every
process, goal and partner is there, every arrow starts on its source box and ends on
its target, never runs through a box, and the same input gives the same bytes.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from ketengraaf.cli import main
from ketengraaf.diagrams import (MemoryStore, build_model, chain_iri, chain_svg, describe, list_chains,
                                 model_from_files, render_svg)
from ketengraaf.diagrams.text import text_width, wrap
from ketengraaf.errors import NotFound
from paths import ROOT

NS = "{http://www.w3.org/2000/svg}"
ID = "https://w3id.org/ketengraaf/id/"
K = "https://w3id.org/ketengraaf/def#"
TOL = 0.6


@pytest.fixture(scope="module")
def shipped():
    return MemoryStore([ROOT / "ontology", ROOT / "data"])


# -- reading the SVG back ---------------------------------------------------------------
def rect_of(el):
    return tuple(float(el.get(a)) for a in ("x", "y", "width", "height"))


def points(d: str) -> list[tuple[float, float]]:
    nums = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(nums[0::2], nums[1::2]))


def on_border(p, r) -> bool:
    x, y, w, h = r
    inside = x - TOL <= p[0] <= x + w + TOL and y - TOL <= p[1] <= y + h + TOL
    near = min(abs(p[0] - x), abs(p[0] - x - w), abs(p[1] - y), abs(p[1] - y - h)) <= TOL
    return inside and near


def crosses_interior(a, b, r) -> bool:
    """Does the axis-parallel segment a-b pass through the inside of rectangle r (shrunk by 1)?"""
    x, y, w, h = r
    x0, x1, y0, y1 = x + 1, x + w - 1, y + 1, y + h - 1
    if a[0] == b[0]:
        lo, hi = sorted((a[1], b[1]))
        return x0 < a[0] < x1 and lo < y1 and hi > y0
    lo, hi = sorted((a[0], b[0]))
    return y0 < a[1] < y1 and lo < x1 and hi > x0


def overlap(r1, r2) -> bool:
    return (r1[0] < r2[0] + r2[2] and r2[0] < r1[0] + r1[2] and r1[1] < r2[1] + r2[3] and r2[1] < r1[1] + r1[3])


def parse(svg: str):
    root = ET.fromstring(svg)
    boxes, lanes, arrows = {}, {}, []
    for g in root.iter(NS + "g"):
        if g.get("data-kind") in ("process", "goal"):
            rect = g.find(NS + "rect")
            texts = [(float(t.get("x")), float(t.get("y")), int(t.get("font-size")), t.get("font-weight") == "bold",
                      t.text or "") for t in g.findall(NS + "text")]
            boxes[g.get("data-iri")] = (rect_of(rect), texts, g.get("data-kind"))
    for r in root.iter(NS + "rect"):
        if r.get("data-kind") == "lane":
            lanes[r.get("data-iri")] = rect_of(r)
    for p in root.iter(NS + "path"):
        if p.get("data-rel"):
            arrows.append((p.get("data-rel"), p.get("data-from"), p.get("data-to"), points(p.get("d"))))
    return root, boxes, lanes, arrows


def check(svg: str, model, href=lambda iri: iri) -> tuple[dict, dict, list]:
    """Every geometric promise of the diagram, for any chain."""
    root, boxes, lanes, arrows = parse(svg)
    assert root.tag == NS + "svg"
    assert root.get("role") == "img" and root.get("width") == "100%"
    vb = [float(v) for v in root.get("viewBox").split()]
    title_id, desc_id = root.get("aria-labelledby").split()
    title, desc = root.find(NS + "title"), root.find(NS + "desc")
    assert title.get("id") == title_id and desc.get("id") == desc_id
    assert model.label in title.text and desc.text.strip()
    # everything there
    assert set(boxes) == {p.iri for p in model.processes} | {g.iri for g in model.goals}
    assert {p.iri for p in model.partners} <= set(lanes)
    assert [r.get("data-iri") for r in root.iter(NS + "rect") if r.get("data-kind") == "lane" and r.get("data-iri")] \
        == [p.iri for p in model.partners]                                  # lanes in model order, lead first
    links = {a.get("href") for a in root.iter(NS + "a")}
    assert {href(i) for i in set(boxes) | {p.iri for p in model.partners}} <= links
    # no overlap; inside the picture; each process inside its executor's lane
    items = sorted(boxes.items())
    for i, (iri, (r, _, _)) in enumerate(items):
        assert r[0] >= 0 and r[1] >= 0 and r[0] + r[2] <= vb[2] and r[1] + r[3] <= vb[3], iri
        for other, (r2, _, _) in items[i + 1:]:
            assert not overlap(r, r2), (iri, other)
    for p in model.processes:
        lane = lanes[p.executor]
        r = boxes[p.iri][0]
        assert lane[0] <= r[0] and r[0] + r[2] <= lane[0] + lane[2] and lane[1] <= r[1] and \
            r[1] + r[3] <= lane[1] + lane[3], p.iri
    for a, b in zip(list(lanes.values()), list(lanes.values())[1:]):
        assert a[1] + a[3] <= b[1]
    # every line of text inside its box, by a conservative width (0.6 em per character at least)
    for iri, (r, texts, _) in boxes.items():
        assert texts, iri
        for x, y, size, bold, text in texts:
            assert size >= 12
            est = max(0.6 * size * len(text), text_width(text, size, bold))
            assert r[0] + 4 <= x and x + est <= r[0] + r[2] - 4, (iri, text)
            assert r[1] <= y - 0.8 * size and y + 0.25 * size <= r[1] + r[3], (iri, text)
    for t in root.iter(NS + "text"):
        size = int(t.get("font-size") or 14)
        assert size >= 12
        assert float(t.get("x")) + 0.6 * size * len(t.text or "") <= vb[2], t.text
    # arrows: axis-parallel, from the source box to the target box, never through another box
    rects = {iri: v[0] for iri, v in boxes.items()}
    for rel, src, dst, pts in arrows:
        assert len(pts) >= 2
        for a, b in zip(pts, pts[1:]):
            assert a[0] == b[0] or a[1] == b[1], (rel, src, dst, pts)
        assert on_border(pts[0], rects[src]), (rel, src, dst, pts[0], rects[src])
        assert on_border(pts[-1], rects.get(dst) or lanes[dst]), (rel, src, dst, pts[-1])
        for iri, r in rects.items():
            for a, b in zip(pts, pts[1:]):
                assert not crosses_interior(a, b, r), (rel, src, dst, "crosses", iri)
    # no two arrows run on top of each other (a shared stretch of line would hide one of them)
    segs = []
    for i, (_, _, _, pts) in enumerate(arrows):
        segs += [(i, a, b) for a, b in zip(pts, pts[1:])]
    for n, (i, a, b) in enumerate(segs):
        for j, c, d in segs[n + 1:]:
            if i == j:
                continue
            if a[0] == b[0] == c[0] == d[0]:
                lo, hi = max(min(a[1], b[1]), min(c[1], d[1])), min(max(a[1], b[1]), max(c[1], d[1]))
                assert hi - lo <= 1, ("overlapping arrows", arrows[i][:3], arrows[j][:3])
            if a[1] == b[1] == c[1] == d[1]:
                lo, hi = max(min(a[0], b[0]), min(c[0], d[0])), min(max(a[0], b[0]), max(c[0], d[0]))
                assert hi - lo <= 1, ("overlapping arrows", arrows[i][:3], arrows[j][:3])
    return boxes, lanes, arrows


def arrow_set(arrows):
    return {(rel, src, dst) for rel, src, dst, _ in arrows}


# -- the shipped chains ---------------------------------------------------------------------
def test_every_shipped_chain_draws(shipped):
    chains = list_chains(shipped)
    assert {ID + "keten/" + s for s in ("vth", "vergunning-met-extern-advies", "veiligheidsketen",
                                        "schuldhulpverlening", "nazorg-ex-gedetineerden")} == set(chains)
    for chain in chains:
        for lang in ("nl", "en"):
            model = build_model(shipped, chain, lang)
            svg = render_svg(model)
            check(svg, model)
            assert svg == render_svg(build_model(shipped, chain, lang))
            # narrow: one column, natural width within a phone's 390 px, the same arrows
            narrow = render_svg(model, narrow=True)
            _, _, arrows = check(narrow, model)
            assert arrow_set(arrows) == arrow_set(parse(svg)[3])
            assert float(ET.fromstring(narrow).get("viewBox").split()[2]) <= 390


def test_vth_by_hand(shipped):
    model = build_model(shipped, chain_iri(shipped, "vth"), "nl")
    p = ID + "proces/vth-"
    assert model.model == "estafette" and model.lead is None
    assert [(x.label, x.role_label) for x in model.partners] == [("Gemeente", "Beslisser"),
                                                                 ("Omgevingsdienst", "Uitvoerder")]
    assert [x.label for x in model.processes] == ["Vergunningverlening", "Toezicht", "Handhaving"]
    assert [g.label for g in model.goals] == ["Veilige en gezonde fysieke leefomgeving"]
    boxes, lanes, arrows = check(render_svg(model), model)
    assert list(lanes) == [ID + "partner/gemeente", ID + "partner/omgevingsdienst"]
    assert arrow_set(arrows) == {("afhankelijk", p + "vergunningverlening", p + "toezicht"),
                                 ("afhankelijk", p + "toezicht", p + "handhaving")}
    x = {iri: boxes[iri][0][0] for iri in boxes}
    # relay: left to right in the order of the hand-overs
    assert x[p + "vergunningverlening"] < x[p + "toezicht"] < x[p + "handhaving"]
    # the goal is above the lanes
    goal = boxes[ID + "doel/vth-veilige-leefomgeving"][0]
    assert goal[1] + goal[3] < min(r[1] for r in lanes.values())
    # the description says the same in words
    assert describe(model) == (
        "Vergunningverlening, toezicht en handhaving (VTH): Estafetteketen. "
        "Partners, van boven naar onder: Gemeente (Beslisser); Omgevingsdienst (Uitvoerder). "
        "Doel: Veilige en gezonde fysieke leefomgeving. "
        "Processen: Vergunningverlening, uitgevoerd door Gemeente; "
        "Toezicht, uitgevoerd door Omgevingsdienst, heeft het resultaat nodig van Vergunningverlening; "
        "Handhaving, uitgevoerd door Gemeente, heeft het resultaat nodig van Toezicht.")
    # one call from the store, links through the caller's function, ids from the caller's prefix
    svg = chain_svg(shipped, model.iri, "nl", href=lambda iri: "/r?u=" + iri, id_prefix="vth1")
    assert 'aria-labelledby="vth1-title vth1-desc"' in svg and f'href="/r?u={p}toezicht"' in svg


def test_orchestration_by_hand(shipped):
    model = build_model(shipped, chain_iri(shipped, "vergunning-met-extern-advies"), "nl")
    p = ID + "proces/vergunning-met-extern-advies-"
    assert model.model == "orkestratie" and model.lead.iri == ID + "partner/gemeente"
    assert model.partners[0].roles[0].label == "Regisseur"
    en = build_model(shipped, model.iri, "en")
    assert en.partners[0].roles[0].label == "Lead party"
    boxes, lanes, arrows = check(render_svg(model), model)
    assert list(lanes) == [ID + "partner/gemeente", ID + "partner/adviseur-extern"]
    main_ = p + "vergunningverlening"
    assert arrow_set(arrows) == {("namens", p + "advies", main_)}
    # the main process spans the lead's lane: wider than the sub-process, which sits below it
    m, r = boxes[main_][0], boxes[p + "advies"][0]
    assert m[2] > r[2] and r[1] > m[1] + m[3]
    # every arrow comes straight up into the bottom of the main process
    for _, _, _, pts in arrows:
        assert pts[-1][1] == pytest.approx(m[1] + m[3], abs=TOL)


def test_goal_chain_by_hand(shipped):
    model = build_model(shipped, chain_iri(shipped, "veiligheidsketen"), "nl")
    boxes, lanes, arrows = check(render_svg(model), model)
    goal = ID + "doel/veiligheidsketen-veilige-samenleving"
    tops = [x.iri for x in model.processes if x.parent is None]
    assert len(tops) == 7
    # no direct dependency: the point of a goal chain is that the partners depend on each other indirectly
    assert arrow_set(arrows) == {("doel", t, goal) for t in tops}
    # parallel: every process that waits for nobody in the same column
    free = [t for t in tops if not model.process(t).depends_on]
    assert len({boxes[t][0][0] for t in free}) == 1


def test_relay_horizontal_and_languages(shipped):
    nl = build_model(shipped, chain_iri(shipped, "nazorg-ex-gedetineerden"), "nl")
    en = build_model(shipped, chain_iri(shipped, "nazorg-ex-gedetineerden"), "en")
    assert nl.horizontal and nl.horizontal_label == "Horizontale samenwerking"
    assert en.label == "Aftercare for (ex-)prisoners" and en.model_label == "Relay chain"
    assert [p.iri for p in nl.partners][0] == ID + "partner/dienst-justitiele-inrichtingen"
    assert "Horizontal collaboration" in render_svg(en)


def test_unknown_chain(shipped):
    with pytest.raises(NotFound):
        chain_iri(shipped, "bestaat-niet")
    with pytest.raises(NotFound):   # a network is not a chain
        build_model(shipped, ID + "netwerk/wijknetwerk-zorg-en-welzijn")


def test_model_from_files():
    model = model_from_files([ROOT / "ontology", ROOT / "data" / "ketens"], "vth", "en")
    assert model.label == "Permits, supervision and enforcement (VTH)"


# -- generated chains -----------------------------------------------------------------------------
NAMES = ["Gemeente", "Omgevingsdienst Noordzeekanaalgebied", "Veiligheidsregio", "Politie",
         "Openbaar Ministerie", "Reclasseringsorganisaties en jeugdbescherming", "Zorgaanbieder", "Woningcorporatie",
         "Welzijnsorganisatie", "Dienst Justitiële Inrichtingen", "UWV", "Belastingdienst/Toeslagen",
         "Waterschap", "Provincie", "Kinderopvangtoeslagherstelorganisatie"]


def generate(kind: str, n: int) -> tuple[str, str, set, set]:
    """Turtle for a chain of ``kind`` with ``n`` partners and sub-processes 2-3 levels deep, and the
    arrows expected (by construction)."""
    cls = {"orkestratie": "Orkestratieketen", "estafette": "Estafetteketen", "doel": "Doelketen"}[kind]
    c = f"<{ID}keten/gen-{kind}-{n}>"
    part = [f"{ID}partner/gen-{i:02d}" for i in range(n)]
    proc = lambda name: f"{ID}proces/gen-{kind}-{n}-{name}"   # noqa: E731
    ttl = [f"@prefix keten: <{K}> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
           f'{c} a keten:{cls} ; skos:prefLabel "Gegenereerde {kind}keten met {n} partners"@nl .']
    goals = [f"{ID}doel/gen-{kind}-{n}-{g}" for g in range(1 + n % 2)]
    for g, iri in enumerate(goals):
        ttl.append(f'{c} keten:heeftDoel <{iri}> . <{iri}> a keten:Beleidsdoel ; '
                   f'skos:prefLabel "Doel {g}: een veilige, gezonde en rechtvaardige samenleving voor iedereen"@nl .')
    for i, p in enumerate(part):
        role = "regisseur" if kind == "orkestratie" and i == 0 else ("uitvoerder" if i % 2 else "leverende-partij")
        ttl.append(f'<{p}> a keten:Ketenpartner ; skos:prefLabel "{NAMES[i]}"@nl . '
                   f'[] a keten:Deelname ; keten:keten {c} ; keten:partner <{p}> ; keten:rol <{ID}rol/{role}> .')
    arrows: set = set()
    procs: set = set()

    def add(name, label, executor, parent=None, namens=None, depends=()):
        iri = proc(name)
        procs.add(iri)
        t = f'<{iri}> a keten:{"Deelproces" if parent else "Dienstverleningsproces"} ; skos:prefLabel "{label}"@nl ; ' \
            f'keten:uitvoerder <{part[executor]}>'
        if namens is not None:
            t += f" ; keten:namens <{part[namens]}>"
        for d in depends:
            t += f" ; keten:afhankelijkVan <{proc(d)}>"
            arrows.add(("afhankelijk", proc(d), iri))
        ttl.append(t + " .")
        if parent:
            ttl.append(f"<{proc(parent[0])}> keten:heeftDeelproces <{iri}> .")
            if namens is not None and namens == parent[1]:
                arrows.add(("namens", iri, proc(parent[0])))
            else:
                arrows.add(("deelproces", iri, proc(parent[0])))
                if namens is not None and namens != executor:
                    arrows.add(("namens", iri, part[namens]))
        return iri

    long = "Beoordelen van de aanvraag en uitbrengen van een zwaarwegend advies over brandveiligheidsvoorschriften"
    if kind == "orkestratie":
        main_ = add("hoofd", "Behandelen aanvraag omgevingsvergunning", 0)
        ttl.append(f"{c} keten:hoofdproces <{main_}> ; keten:heeftProces <{main_}> ; "
                   f"keten:verantwoordelijke <{part[0]}> .")
        for i in range(1, n):
            add(f"d{i}", f"Deelproces {i}: " + (long if i % 4 == 1 else "advies"), i, ("hoofd", 0), 0,
                depends=(f"d{i - 1}",) if i % 5 == 2 else ())
            if i % 3 == 0:   # a second level in another lane, on behalf of the lead
                add(f"d{i}a", f"Onderdeel {i}a van het advies", (i + 1) % n, (f"d{i}", i), 0)
                if i % 2 == 1:   # and a third
                    add(f"d{i}aa", f"Onderdeel {i}aa", i, (f"d{i}a", (i + 1) % n))
    else:
        for i in range(n):
            if kind == "estafette":
                deps = (f"p{i - 1}",) if i else ()
                if i % 4 == 3:
                    deps += (f"p{i - 3}",)
            else:
                deps = (f"p{i - 2}",) if i % 5 == 4 else ()
            iri = add(f"p{i}", f"Proces {i} " + (long if i % 3 == 1 else "van de partner"), i, depends=deps)
            ttl.append(f"{c} keten:heeftProces <{iri}> .")
            if kind == "doel":
                arrows |= {("doel", iri, g) for g in goals}
            if i % 2 == 0:
                add(f"p{i}s", f"Deelproces {i}s", (i + 1) % n, (f"p{i}", i))
                add(f"p{i}t", f"Deelproces {i}t met een behoorlijk lange naam", i, (f"p{i}", i))
                if i % 4 == 0:
                    add(f"p{i}ss", f"Deelproces {i}ss", (i + 2) % n, (f"p{i}s", (i + 1) % n))
    return c[1:-1], "\n".join(ttl), arrows, procs


@pytest.mark.parametrize("kind", ["orkestratie", "estafette", "doel"])
def test_generated_chains(shipped, kind):
    for n in range(2, 16):
        iri, ttl, expected, procs = generate(kind, n)
        store = MemoryStore([ROOT / "ontology"])
        store.add_turtle(ttl)
        model = build_model(store, iri, "nl")
        assert model.model == kind and {p.iri for p in model.processes} == procs
        assert max(p.depth for p in model.processes) >= (1 if n < 4 else 2)
        svg = render_svg(model)
        _, _, arrows = check(svg, model)
        assert arrow_set(arrows) == expected, (kind, n)
        _, _, arrows = check(render_svg(model, narrow=True), model)
        assert arrow_set(arrows) == expected, (kind, n, "narrow")
        assert svg == render_svg(build_model(store, iri, "nl"))
        if kind == "orkestratie":
            assert model.partners[0].lead and model.partners[0].iri.endswith("gen-00")


def test_escaping():
    store = MemoryStore([ROOT / "ontology"])
    store.add_turtle(f"""@prefix keten: <{K}> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <{ID}keten/x> a keten:Estafetteketen ; skos:prefLabel "A <b> & \\"c\\" ]]>"@nl ;
            keten:heeftProces <{ID}proces/x?a=1&b=2> .
        <{ID}proces/x?a=1&b=2> skos:prefLabel "<script>alert(1)</script>"@nl ; keten:uitvoerder <{ID}partner/p> .
        <{ID}partner/p> skos:prefLabel "P & Q"@nl .""")
    model = build_model(store, ID + "keten/x")
    svg = render_svg(model, href=lambda iri: "/r?uri=" + iri)
    root, boxes, _, _ = parse(svg)
    assert ID + "proces/x?a=1&b=2" in boxes
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert any(a.get("href") == "/r?uri=" + ID + "proces/x?a=1&b=2" for a in root.iter(NS + "a"))
    check(svg, model, href=lambda iri: "/r?uri=" + iri)


def test_wrap_keeps_every_line_inside():
    for text in ["Kinderopvangtoeslagherstelorganisatie", "a b c", "Zorg bij psychische en verslavingsproblematiek",
                 "WWWWWWWWWWWWWWWWWWWWWWWWWWWW", "Reclasseringstoezicht en -begeleiding"]:
        for width in (60, 120, 168):
            lines = wrap(text, width, 14)
            assert lines and all(text_width(ln, 14) <= width for ln in lines), (text, width, lines)
            assert "".join(ln.rstrip("-") for ln in lines).replace(" ", "") == text.replace(" ", "")
    assert wrap("Reclasseringstoezicht en -begeleiding", 168, 14)[0] == "Reclasserings-"


def test_cli_diagram(catalogue_dir, tmp_path):
    out = tmp_path / "vth.svg"
    args = ["diagram", "vth", "-o", str(out), "--lang", "en", "--catalogue", str(ROOT), "--store", str(catalogue_dir)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert root.get("data-iri") == ID + "keten/vth"
    assert "Permits, supervision and enforcement (VTH)" in root.find(NS + "title").text
    res = CliRunner().invoke(main, ["diagram", ID + "keten/vth", "-o", "-", "--narrow", "--catalogue", str(ROOT),
                                    "--store", str(catalogue_dir)])
    assert res.exit_code == 0 and "ketendiagram-smal" in ET.fromstring(res.output).get("class")
    res = CliRunner().invoke(main, ["diagram", "nope", "-o", str(out), "--catalogue", str(ROOT),
                                    "--store", str(catalogue_dir)])
    assert res.exit_code == 2 and "no chain 'nope'" in res.output


def test_edge_cases_draw():
    """A main process that depends on and is depended on, a process without executor, a partner
    without processes, a responsible partner that is not the executor, two executors."""
    store = MemoryStore([ROOT / "ontology"])
    p = lambda s: f"<{ID}proces/e-{s}>"   # noqa: E731
    q = lambda s: f"<{ID}partner/e-{s}>"  # noqa: E731
    store.add_turtle(f"""@prefix keten: <{K}> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <{ID}keten/e> a keten:Orkestratieketen ; skos:prefLabel "Randgevallen"@nl ;
            keten:hoofdproces {p('m')} ; keten:heeftProces {p('m')}, {p('x')}, {p('y')}, {p('z')} .
        {q('a')} skos:prefLabel "Aaa"@nl . {q('b')} skos:prefLabel "Bbb"@nl . {q('c')} skos:prefLabel "Ccc"@nl .
        [] keten:keten <{ID}keten/e> ; keten:partner {q('a')} ; keten:rol <{ID}rol/regisseur> .
        [] keten:keten <{ID}keten/e> ; keten:partner {q('c')} ; keten:rol <{ID}rol/adviseur> .
        {p('m')} skos:prefLabel "Hoofd"@nl ; keten:uitvoerder {q('a')} ; keten:afhankelijkVan {p('x')} ;
            keten:heeftDeelproces {p('s')} .
        {p('x')} skos:prefLabel "Vooraf"@nl ; keten:uitvoerder {q('b')} ; keten:verantwoordelijke {q('a')} .
        {p('y')} skos:prefLabel "Achteraf"@nl ; keten:uitvoerder {q('b')} ; keten:afhankelijkVan {p('m')} .
        {p('z')} skos:prefLabel "Zwevend"@nl .
        {p('s')} skos:prefLabel "Samen"@nl ; keten:uitvoerder {q('b')}, {q('c')} ; keten:namens {q('a')} .""")
    model = build_model(store, ID + "keten/e")
    assert [x.label for x in model.partners] == ["Aaa", "Bbb", "Ccc"]
    assert model.partner(ID + "partner/e-b").participates is False
    svg = render_svg(model)
    boxes, lanes, arrows = check(svg, model)
    e = ID + "proces/e-"
    assert arrow_set(arrows) == {("afhankelijk", e + "x", e + "m"), ("afhankelijk", e + "m", e + "y"),
                                 ("namens", e + "s", e + "m")}
    assert None in lanes and boxes[e + "z"][0][1] > lanes[ID + "partner/e-c"][1]   # the unknown lane comes last
    texts = {iri: " ".join(t[4] for t in v[1]) for iri, v in boxes.items()}
    assert texts[e + "x"] == "Vooraf verantwoordelijk: Aaa"
    assert texts[e + "s"] == "Samen samen met Ccc"
    assert texts[e + "m"] == "hoofdproces Hoofd"
    assert "Uitvoerder niet vastgelegd" in svg and "geen deelname vastgelegd" in svg


def test_empty_chains_draw():
    store = MemoryStore([ROOT / "ontology"])
    store.add_turtle(f"""<{ID}keten/leeg> a <{K}Doelketen> .
        <{ID}keten/alleen-doel> a <{K}Keten> ; <{K}heeftDoel> <{ID}doel/d> . <{ID}doel/d> a <{K}Klantdoel> .""")
    for slug, model_kind in (("leeg", "doel"), ("alleen-doel", "keten")):
        model = build_model(store, chain_iri(store, slug))
        assert model.model == model_kind and not model.processes and not model.partners
        for narrow in (False, True):
            svg = render_svg(model, narrow=narrow)
            boxes, lanes, arrows = check(svg, model)
            assert not arrows and not lanes and set(boxes) == {g.iri for g in model.goals}
            assert "legenda" in svg and "proces (in de baan" not in svg


def test_diagrams_is_a_middle_layer():
    """diagrams/ imports only the store, namespaces, labels, messages and errors of ketengraaf (never web/, the CLI
    or the package's __init__), and only at the top of a module."""
    allowed = {"store", "namespaces", "labels", "errors", "messages"}
    pkg = ROOT / "app" / "ketengraaf" / "diagrams"
    for path in sorted(pkg.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                assert id(node) in top, f"{path.name}:{node.lineno}: import inside a function"
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                assert node.module and node.module.split(".")[0] in allowed, f"{path.name}: {node.module}"
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("ketengraaf"), f"{path.name}: absolute {node.module}"
            if isinstance(node, ast.ImportFrom) and node.level > 2:
                raise AssertionError(f"{path.name}: reaches above the package")


def test_same_bytes_whatever_the_hash_seed(tmp_path):
    """Set and dict order must not leak into the picture: render in processes with different hash seeds."""
    script = ("import sys; sys.path.insert(0, 'tests'); from test_diagrams import generate, ROOT; "
              "from ketengraaf.diagrams import MemoryStore, build_model, render_svg; "
              "iri, ttl, _, _ = generate('orkestratie', 11); s = MemoryStore([ROOT / 'ontology', ROOT / 'data']); "
              "s.add_turtle(ttl); "
              "print(render_svg(build_model(s, iri)) + render_svg(build_model(s, sys.argv[1], 'en')))")
    outs = set()
    for seed in ("1", "2", "3"):
        res = subprocess.run([sys.executable, "-c", script, ID + "keten/veiligheidsketen"], cwd=ROOT,
                             capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        outs.add(res.stdout)
    assert len(outs) == 1 and "<svg" in outs.pop()
