"""Place a :class:`~.model.ChainModel` on a grid and route its arrows.

The grid: one horizontal *lane* per partner (the lead on top), stacked; inside the
lanes, *columns* by rank (a block of a process and its sub-processes waits for the
blocks it depends on, so a relay reads left to right); boxes that share a lane and
a column stack in sub-rows. Between the columns run vertical channels, below every
row a horizontal channel: arrows run only in channels (never through a box), each
on its own track, and end on a box side. The three chain models differ in what
they put where:

- orchestration: the main process spans the lead's lane, every sub-process points
  back to it (on behalf of);
- relay: processes left to right by dependency, an arrow per hand-over of a result;
- goal chain: parallel processes, each pointing to the shared goal(s) above.

Sizes are in SVG user units (1 unit = 1 CSS pixel at natural size).
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from .model import ChainModel, Process
from .text import wrap

MARGIN = 12
FS = 14            # box text
FS_SMALL = 13      # captions, roles, legend
FS_TITLE = 16
LH = 18
LH_SMALL = 17
BOX_W = 184
PAD_X = 8
PAD_Y = 7
INDENT = 12
MAX_INDENT = 3
TRACK = 9
CH_PAD = 8
V_MIN = 20
H_MIN = 12
LANE_GAP = 6
LANE_PAD = 6
GOAL_MIN_W = 150
MIN_WIDTH = 340

REL_ORDER = ("afhankelijk", "namens", "deelproces", "doel")

Node = tuple[int, int]            # (vertical channel k, position along it)
Seg = tuple[str, int, float, float]   # ('V', k, pos_from, pos_to) or ('H', pos, k_from, k_to)
SegId = tuple[int, int]           # (route, segment)


@dataclass
class Line:
    text: str
    size: int = FS
    bold: bool = False
    italic: bool = False


@dataclass
class Box:
    iri: str
    kind: str                    # process | goal | lane
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    lines: list[Line] = field(default_factory=list)
    col: int = 0
    row: int = 0
    spanning: bool = False
    sub: bool = False
    main: bool = False
    depth: int = 0
    lane: int = 0


@dataclass
class Arrow:
    rel: str                     # afhankelijk | namens | deelproces | doel
    src: str                     # IRI of the box it starts on
    dst: str                     # IRI of the box (or lane) it ends on
    points: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class _Route:
    rel: str
    src: str
    dst: str
    dkind: str                   # box | lane
    start: str                   # left | right | bottom
    end: str                     # left | right | bottom | lane
    segs: list[Seg]
    path: list[Node]
    straight: bool = False       # ends going straight up into the bottom of its target


@dataclass
class Lane:
    iri: str | None              # None: processes without executor
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    header: list[Line] = field(default_factory=list)
    header_y: float = 0.0
    lead: bool = False
    first_row: int = 0
    last_row: int = 0


@dataclass
class Layout:
    width: float
    height: float
    title: list[Line]
    title_y: float
    goal_band: tuple[float, float, float, float] | None   # x, y, w, h
    goal_header: list[Line]
    goal_header_y: float
    lanes: list[Lane]
    boxes: list[Box]             # processes and goals
    arrows: list[Arrow]
    legend_y: float
    legend: list[tuple[str, list[str]]]   # (rel or box kind, wrapped lines)
    rels: list[str]


def _wrapped(text: str, width: float, size: int, bold: bool = False, italic: bool = False) -> list[Line]:
    return [Line(t, size, bold, italic) for t in wrap(text, width, size, bold)]


def _height(lines: list[Line]) -> float:
    return sum(LH if ln.size >= FS else LH_SMALL for ln in lines)


# -- the logical arrows ---------------------------------------------------------
def _arrows(model: ChainModel, lane_of: dict[str, int]) -> list[tuple[str, str, str, str]]:
    """(rel, source IRI, target IRI, target kind: box | lane), sorted."""
    out: set[tuple[str, str, str, str]] = set()
    procs = {p.iri: p for p in model.processes}
    for p in model.processes:
        for d in p.depends_on:
            out.add(("afhankelijk", d, p.iri, "box"))
        parent = procs.get(p.parent) if p.parent else None
        parent_partner = parent.executor if parent else None
        if parent is not None:
            rel = "namens" if parent_partner is not None and parent_partner in p.on_behalf_of else "deelproces"
            out.add((rel, p.iri, parent.iri, "box"))
        for n in p.on_behalf_of:
            if n != parent_partner and n != p.executor and n in lane_of:
                out.add(("namens", p.iri, n, "lane"))
        if model.model == "doel" and p.parent is None:
            for g in model.goals:
                out.add(("doel", p.iri, g.iri, "box"))
    return sorted(out, key=lambda a: (REL_ORDER.index(a[0]), a[1], a[2]))


# -- routing graph ------------------------------------------------------------------
# Positions along a vertical channel: 2r+1 beside row r, 2r+2 the horizontal channel below row r.
def _route(start: tuple[int, int], goals: dict[tuple[int, int], float], ncols: int, npos: int,
           blocked: set[tuple[int, int]], up_only: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Cheapest path of channel nodes (k, pos) from ``start`` to one of ``goals`` (node -> extra cost).
    Vertical steps cost 1, horizontal steps (only on even positions) 2, a bend 6."""
    BEND = 6
    heap: list = [(0.0, start, "", (start,))]
    best: dict[tuple, float] = {}
    while heap:
        cost, node, came, path = heapq.heappop(heap)
        if node in goals and (node not in up_only or came in ("u", "")):
            return list(path)
        if best.get((node, came), 1e18) <= cost:
            continue
        best[(node, came)] = cost
        k, pos = node
        steps = [((k, pos - 1), "u", 1.0), ((k, pos + 1), "d", 1.0)]
        if pos % 2 == 0:
            steps += [((k - 1, pos), "l", 2.0), ((k + 1, pos), "r", 2.0)]
        for nxt, d, c in steps:
            nk, npp = nxt
            if not (0 <= nk <= ncols and 1 <= npp <= npos) or nxt in blocked:
                continue
            extra = BEND if came and came != d else 0.0
            heapq.heappush(heap, (cost + c + extra + (goals.get(nxt, 0.0) if nxt in goals else 0.0),
                                  nxt, d, path + (nxt,)))
    raise RuntimeError(f"no route from {start}")


def _segments(path: list[Node]) -> list[Seg]:
    """Merge a node path into segments: ('V', k, pos_from, pos_to) or ('H', pos, k_from, k_to)."""
    segs: list[list[Any]] = []
    for a, b in zip(path, path[1:]):
        if a[0] == b[0]:
            if segs and segs[-1][0] == "V":
                segs[-1][3] = b[1]
            else:
                segs.append(["V", a[0], a[1], b[1]])
        else:
            if segs and segs[-1][0] == "H":
                segs[-1][3] = b[0]
            else:
                segs.append(["H", a[1], a[0], b[0]])
    if not segs:
        segs.append(["V", path[0][0], path[0][1], path[0][1]])
    return [(str(s[0]), int(s[1]), float(s[2]), float(s[3])) for s in segs]


def _tracks(intervals: list[tuple[float, float, SegId]]) -> tuple[dict[SegId, int], int]:
    """Greedy interval colouring: (lo, hi, id) -> {id: track}, number of tracks. Touching intervals
    share no track."""
    ends: list[float] = []
    out: dict[SegId, int] = {}
    for lo, hi, ident in sorted(intervals):
        for t, end in enumerate(ends):
            if end < lo:
                ends[t] = hi
                out[ident] = t
                break
        else:
            out[ident] = len(ends)
            ends.append(hi)
    return out, len(ends)


# -- the layout -----------------------------------------------------------------------
def layout(model: ChainModel, text: dict[str, str], *, narrow: bool = False) -> Layout:
    """Place ``model``; ``text`` holds the words of the diagram itself (see :mod:`.svg`). ``narrow``:
    one column (for phones): the boxes of a lane stack in the order of their rank instead of standing
    side by side, and the arrows show the order."""

    def col_of(p: Process) -> int:
        return 0 if narrow else p.rank

    spanning = model.main if model.model == "orkestratie" and model.main else None
    # lanes
    lane_iris: list[str | None] = [p.iri for p in model.partners]
    if any(p.executor is None for p in model.processes):
        lane_iris.append(None)
    lane_of = {iri: i for i, iri in enumerate(lane_iris) if iri is not None}

    def lane_index(p: Process) -> int:
        return lane_of[p.executor] if p.executor is not None else len(lane_iris) - 1

    ncols = max([col_of(p) for p in model.processes if p.iri != spanning] + [0]) + 1
    cells: dict[tuple[int, int], list[Process]] = {}
    for p in model.processes:
        if p.iri != spanning:
            cells.setdefault((lane_index(p), col_of(p)), []).append(p)
    for procs_in_cell in cells.values():   # a lane's own top-level processes first, then sub-processes
        procs_in_cell.sort(key=lambda p: (p.rank if narrow else 0, p.parent is not None and p.parent != spanning,
                                          model.processes.index(p)))
    span_proc = model.process(spanning) if spanning else None
    span_lane = lane_index(span_proc) if span_proc else None

    # rows: the goal row (if any), then each lane's sub-rows (at least one)
    row_kind: list[str] = []
    goal_row = None
    if model.goals:
        goal_row = 0
        row_kind.append("goal")
    lanes: list[Lane] = []
    box_row: dict[str, int] = {}
    for li, iri in enumerate(lane_iris):
        first = len(row_kind)
        extra = 1 if li == span_lane else 0
        if extra and spanning:
            row_kind.append("span")
            box_row[spanning] = first
        depth_n = max([len(v) for (cell_lane, _), v in cells.items() if cell_lane == li] + [0 if extra else 1])
        for _ in range(depth_n):
            row_kind.append("lane")
        for (cell_lane, _), procs in cells.items():
            if cell_lane == li:
                for i, p in enumerate(procs):
                    box_row[p.iri] = first + extra + i
        partner = model.partner(iri) if iri else None
        lanes.append(Lane(iri=iri, lead=bool(partner and partner.lead), first_row=first, last_row=len(row_kind) - 1))
    nrows = len(row_kind)
    npos = 2 * nrows + 1   # positions 1 .. 2*nrows (+1 spare)

    # boxes with text (widths depend on the column width, fixed below)
    boxes: dict[str, Box] = {}
    by_iri = {p.iri: p for p in model.processes}
    base_depth = 1 if spanning else 0
    for p in model.processes:
        level = min(max(p.depth - base_depth, 0), MAX_INDENT) if p.iri != spanning else 0
        boxes[p.iri] = Box(iri=p.iri, kind="process", col=col_of(p) if p.iri != spanning else 0, row=box_row[p.iri],
                           spanning=p.iri == spanning, sub=p.sub, main=p.main, depth=level,
                           lane=lane_index(p))
    goal_boxes = [Box(iri=g.iri, kind="goal", row=goal_row or 0) for g in model.goals]

    # logical arrows and their routes
    logical = _arrows(model, lane_of)
    ngoals = len(goal_boxes)
    blocked: set[tuple[int, int]] = set()
    for r, kind in enumerate(row_kind):
        if kind in ("span",):
            for k in range(1, ncols + 1):
                blocked.add((k, 2 * r + 1))
        if kind == "goal":
            for k in range(0, ncols + 1):
                blocked.add((k, 2 * r + 1))
    routes = []
    for rel, src, dst, dkind in logical:
        sb = boxes[src]
        if sb.spanning:
            start_side = "bottom"
            start = None
        else:
            left = rel in ("deelproces", "namens") and dkind == "box" and dst in boxes and \
                not boxes[dst].spanning and boxes[dst].col == sb.col
            start_side = "left" if left else "right"
            start = (sb.col if left else sb.col + 1, 2 * sb.row + 1)
        goals: dict[tuple[int, int], float] = {}
        up_only: set[tuple[int, int]] = set()
        end_side = "left"
        if dkind == "lane":
            lane = lanes[lane_of[dst]]
            end_side = "lane"
            if lane.last_row + 1 < nrows:
                for k in range(ncols + 1):
                    node = (k, 2 * (lane.last_row + 1) + 1)
                    if node not in blocked:
                        goals[node] = 0.0
                        up_only.add(node)
            if lane.first_row > 0:
                for k in range(ncols + 1):
                    goals[(k, 2 * lane.first_row)] = 0.0
        elif dst in boxes and not boxes[dst].spanning:   # a side: the left, or the right when nearer
            db = boxes[dst]
            goals[(db.col, 2 * db.row + 1)] = 0.0
            goals[(db.col + 1, 2 * db.row + 1)] = 0.5
        else:   # goal or spanning box: from the horizontal channel below it
            end_side = "bottom"
            row = boxes[dst].row if dst in boxes else (goal_row or 0)
            kc: float
            if dst in boxes:
                kc = ncols / 2
            else:
                gi = [g.iri for g in goal_boxes].index(dst)
                kc = (gi + 0.5) / ngoals * ncols
            for k in range(ncols + 1):
                goals[(k, 2 * row + 2)] = abs(k - kc) * 0.5
        if start is None:   # spanning source: leave through the channel below it, any column
            cands = []
            for k in range(ncols + 1):
                try:
                    path = _route((k, 2 * sb.row + 2), goals, ncols, npos, blocked, up_only)
                except RuntimeError:
                    continue
                cands.append((len(path) + abs(k - ncols / 2), k, path))
            path = min(cands)[2]
        else:
            path = _route(start, goals, ncols, npos, blocked - {start}, up_only)
        segs = _segments(path)
        if start is None and segs[0][0] == "V":
            segs.insert(0, ("H", path[0][1], path[0][0], path[0][0]))
        if end_side == "left" and path[-1][0] != boxes[dst].col:
            end_side = "right"
        if end_side == "bottom" and segs[-1][0] == "V":
            segs.append(("H", path[-1][1], path[-1][0], path[-1][0]))
        routes.append(_Route(rel=rel, src=src, dst=dst, dkind=dkind, start=start_side, end=end_side,
                             segs=segs, path=path))

    # lane border ends: extend the last vertical segment to the border (half positions)
    for rt in routes:
        if rt.end == "lane":
            lane = lanes[lane_of[rt.dst]]
            last = rt.path[-1]
            border = 2 * lane.last_row + 2.5 if last[1] > 2 * lane.last_row + 2 else 2 * lane.first_row + 0.5
            seg = rt.segs[-1]
            if seg[0] == "V":
                rt.segs[-1] = ("V", seg[1], seg[2], border)
            else:
                rt.segs.append(("V", last[0], last[1], border))

    # vertical tracks
    vint: dict[int, list[tuple[float, float, SegId]]] = {}
    for ai, rt in enumerate(routes):
        for si, seg in enumerate(rt.segs):
            if seg[0] == "V":
                lo, hi = sorted((seg[2], seg[3]))
                vint.setdefault(seg[1], []).append((lo, hi, (ai, si)))
    vtrack: dict[SegId, int] = {}
    vcount: dict[int, int] = {}
    for k, ints in vint.items():
        got, n = _tracks(ints)
        vtrack.update(got)
        vcount[k] = n

    def chan_w(n: int, minimum: int) -> float:
        return max(minimum, 2 * CH_PAD + (n - 1) * TRACK) if n else minimum

    vwidth = [chan_w(vcount.get(k, 0), V_MIN) for k in range(ncols + 1)]
    # column width: wide enough for the goals in one row
    inner_channels = sum(vwidth[1:ncols])
    col_w = float(BOX_W)
    if ngoals:
        need = ngoals * GOAL_MIN_W + (ngoals - 1) * 12
        if ncols * col_w + inner_channels < need:
            col_w = (need - inner_channels) / ncols
    vx: list[float] = []
    colx: list[float] = []
    x = float(MARGIN)
    for k in range(ncols + 1):
        vx.append(x)
        x += vwidth[k]
        if k < ncols:
            colx.append(x)
            x += col_w
    width = max(x + MARGIN, MIN_WIDTH)
    if width > x + MARGIN:   # stretch the last channel to fill the minimum width
        vwidth[ncols] += width - (x + MARGIN)
    inner_w = width - 2 * MARGIN

    def vtrack_x(k: int, ident: SegId) -> float:
        if vcount.get(k) and ident in vtrack:
            return vx[k] + CH_PAD + vtrack[ident] * TRACK
        return vx[k] + vwidth[k] / 2

    # box geometry (x, w, text); the main process and the goals reach over the last channel, so arrows
    # in it go straight up into them
    span_x0, span_x1 = colx[0], width - MARGIN - 4
    for b in boxes.values():
        p = by_iri[b.iri]
        if b.spanning:
            b.x, b.w = span_x0, span_x1 - span_x0
        else:
            b.x = colx[b.col] + b.depth * INDENT
            b.w = col_w - b.depth * INDENT
        tw = b.w - 2 * PAD_X
        lines: list[Line] = []
        if b.main:
            lines += _wrapped(text["main"], tw, FS_SMALL, italic=True)
        lines += _wrapped(p.label, tw, FS, bold=b.main)
        executor = p.executor
        extra_exec = [e for e in p.executors if e != executor]
        if extra_exec:
            lines += _wrapped(text["with"] + " " + ", ".join(model.label_of(e) for e in extra_exec), tw, FS_SMALL,
                              italic=True)
        resp = [r for r in p.responsible if r != executor]
        if resp:
            lines += _wrapped(text["responsible"] + ": " + ", ".join(model.label_of(r) for r in resp), tw,
                              FS_SMALL, italic=True)
        b.lines = lines
        b.h = _height(lines) + 2 * PAD_Y
    gap = 12.0
    if goal_boxes:
        gw = (span_x1 - span_x0 - (ngoals - 1) * gap) / ngoals
        for i, (b, g) in enumerate(zip(goal_boxes, model.goals)):
            b.x, b.w = span_x0 + i * (gw + gap), gw
            lines = []
            if g.kind_label:
                lines += _wrapped(g.kind_label, gw - 2 * PAD_X, FS_SMALL, italic=True)
            lines += _wrapped(g.label, gw - 2 * PAD_X, FS, bold=True)
            b.lines = lines
            b.h = _height(lines) + 2 * PAD_Y

    for ai, rt in enumerate(routes):
        if rt.end != "bottom":
            continue
        vi = max(i for i, seg in enumerate(rt.segs) if seg[0] == "V") if any(
            seg[0] == "V" for seg in rt.segs) else None
        if vi is None:
            continue
        x = vtrack_x(rt.segs[vi][1], (ai, vi))
        b = boxes.get(rt.dst) or next(g for g in goal_boxes if g.iri == rt.dst)
        if b.x + 6 <= x <= b.x + b.w - 6:
            rt.straight = True
            rt.segs = rt.segs[:vi + 1]
    # ports on box sides: order the arrows at each side by where they go, spread them
    ends: dict[tuple[str, str], list[tuple[tuple, int, str]]] = {}
    for ai, rt in enumerate(routes):
        segs = rt.segs
        if rt.start in ("left", "right"):
            ends.setdefault((rt.src, rt.start), []).append(((_far(segs, 0),), ai, "s"))
        else:
            ends.setdefault((rt.src, "bottom"), []).append(((segs[0][3] if segs[0][0] == "H" else 0,), ai, "s"))
        if rt.end in ("left", "right"):
            ends.setdefault((rt.dst, rt.end), []).append(((_far(segs, -1),), ai, "e"))
        elif rt.end == "bottom" and not rt.straight:
            last_v = next((s for s in reversed(segs) if s[0] == "V"), None)
            ends.setdefault((rt.dst, "bottom"), []).append(((last_v[1] if last_v else 0, ai), ai, "e"))
    allboxes = {**boxes, **{b.iri: b for b in goal_boxes}}
    # arrows that go straight up into a box bottom keep their x; the other ports there keep clear of them
    taken: dict[str, list[float]] = {}
    for ai, rt in enumerate(routes):
        if rt.straight:
            taken.setdefault(rt.dst, []).append(vtrack_x(rt.segs[-1][1], (ai, len(rt.segs) - 1)))
    port: dict[tuple[int, str], float] = {}     # (arrow, 's'|'e') -> fraction of the side
    for (iri, side), items in sorted(ends.items()):
        items.sort()
        n = len(items)
        box = allboxes[iri]
        used = list(taken.get(iri, [])) if side == "bottom" else []
        for i, (_, ai, which) in enumerate(items):
            frac = (i + 1) / (n + 1)
            if side == "bottom":
                x = _free_x(box.x + box.w * frac, used, box.x + 4, box.x + box.w - 4)
                used.append(x)
                frac = (x - box.x) / box.w
            port[(ai, which)] = frac
    for (iri, side), items in ends.items():
        if side in ("left", "right"):
            b = allboxes[iri]
            b.h = max(b.h, (len(items) + 1) * 9 + 6)
    # horizontal tracks need x of every end: vertical tracks and bottom ports
    hint: dict[int, list[tuple[float, float, SegId]]] = {}
    for ai, rt in enumerate(routes):
        segs = rt.segs
        for si, seg in enumerate(segs):
            if seg[0] != "H":
                continue
            xs = []
            for kf in (seg[2], seg[3]):
                xs.append(_xk(routes, ai, si, int(kf), vtrack_x))
            if si == 0 and rt.start == "bottom":
                b = allboxes[rt.src]
                xs.append(b.x + b.w * port[(ai, "s")])
            if si == len(segs) - 1 and rt.end == "bottom":
                b = allboxes[rt.dst]
                xs.append(b.x + b.w * port[(ai, "e")])
            hint.setdefault(seg[1], []).append((min(xs), max(xs), (ai, si)))
    htrack: dict[SegId, int] = {}
    hcount: dict[int, int] = {}
    for pos, ints in hint.items():
        got, n = _tracks(ints)
        htrack.update(got)
        hcount[pos] = n

    # vertical geometry
    y = float(MARGIN)
    title = _wrapped(model.label, inner_w, FS_TITLE, bold=True)
    sub = model.model_label + (" · " + model.horizontal_label if model.horizontal_label else "")
    title += _wrapped(f"{sub}: {text['model_' + model.model]}", inner_w, FS_SMALL, italic=True)
    title_y = y
    y += _height(title) + 10
    row_y: dict[int, float] = {}
    row_h: dict[int, float] = {}
    hy: dict[int, float] = {}      # channel top per row
    hh: dict[int, float] = {}

    def place_row(r: int, top: float) -> float:
        hts = [b.h for b in list(boxes.values()) + goal_boxes if b.row == r and (b.kind != "goal" or r == goal_row)]
        h = max(hts) if hts else 24.0
        row_y[r], row_h[r] = top, h
        pos = 2 * r + 2
        ch = chan_w(hcount.get(pos, 0), H_MIN)
        hy[r], hh[r] = top + h, ch
        return top + h + ch

    goal_band = None
    goal_header: list[Line] = []
    goal_header_y = 0.0
    if goal_row is not None:
        band_top = y
        goal_header = _wrapped(text["goals"] if ngoals > 1 else text["goal"], inner_w - 2 * PAD_X, FS_SMALL, bold=True)
        goal_header_y = y + 6
        y += 6 + _height(goal_header) + 4
        y = place_row(goal_row, y)
        goal_band = (float(MARGIN), band_top, inner_w, y - band_top)
        y += LANE_GAP
    for lane in lanes:
        lane.x, lane.w, lane.y = float(MARGIN), inner_w, y
        partner = model.partner(lane.iri) if lane.iri else None
        hdr_w = inner_w - 2 * PAD_X
        if partner is None:
            lane.header = _wrapped(text["unknown_executor"], hdr_w, FS, bold=True, italic=True)
        else:
            lane.header = _wrapped(partner.label, hdr_w, FS, bold=True)
            role = partner.role_label or text["no_role"]
            if partner.lead:
                role += " · " + text["lead"]
            lane.header += _wrapped(role, hdr_w, FS_SMALL, italic=True)
        lane.header_y = y + LANE_PAD
        y += LANE_PAD + _height(lane.header) + 6
        for r in range(lane.first_row, lane.last_row + 1):
            y = place_row(r, y)
        y += LANE_PAD - min(hh.get(lane.last_row, 0), LANE_PAD)
        lane.h = y - lane.y
        y += LANE_GAP

    for b in list(boxes.values()) + goal_boxes:
        b.y = row_y[b.row]

    def hy_track(pos: int, ident: SegId) -> float:
        r = (pos - 2) // 2
        if hcount.get(pos):
            return hy[r] + CH_PAD + htrack[ident] * TRACK
        return hy[r] + hh[r] / 2

    # arrow geometry
    arrows: list[Arrow] = []
    for ai, rt in enumerate(routes):
        segs = rt.segs
        sb, pts = allboxes[rt.src], []
        coords = []   # per segment: its fixed coordinate (x of a vertical, y of a horizontal)
        for si, seg in enumerate(segs):
            coords.append(vtrack_x(seg[1], (ai, si)) if seg[0] == "V" else hy_track(seg[1], (ai, si)))
        if rt.start == "right":
            sy = sb.y + sb.h * port[(ai, "s")] - 3
            pts += [(sb.x + sb.w, sy), (coords[0], sy)]
        elif rt.start == "left":
            sy = sb.y + sb.h * port[(ai, "s")] - 3
            pts += [(sb.x, sy), (coords[0], sy)]
        else:
            sx = sb.x + sb.w * port[(ai, "s")]
            pts += [(sx, sb.y + sb.h), (sx, coords[0])]
        for si in range(len(segs) - 1):
            a, c2 = coords[si], coords[si + 1]
            pts.append((a, c2) if segs[si][0] == "V" else (c2, a))
        last_seg = segs[-1]
        if rt.end in ("left", "right"):
            db = allboxes[rt.dst]
            ey = db.y + db.h * port[(ai, "e")] + 3
            pts += [(coords[-1], ey), (db.x if rt.end == "left" else db.x + db.w, ey)]
        elif rt.straight:
            db = allboxes[rt.dst]
            pts.append((coords[-1], db.y + db.h))
        elif rt.end == "bottom":
            db = allboxes[rt.dst]
            ex = db.x + db.w * port[(ai, "e")]
            pts += [(ex, coords[-1]), (ex, db.y + db.h)]
        else:
            lane = lanes[lane_of[rt.dst]]
            ey = lane.y + lane.h if last_seg[3] == 2 * lane.last_row + 2.5 else lane.y
            pts.append((coords[-1], ey))
        arrows.append(Arrow(rel=rt.rel, src=rt.src, dst=rt.dst, points=_clean(pts)))

    # legend
    rels = sorted({a.rel for a in arrows}, key=REL_ORDER.index)
    legend: list[tuple[str, list[str]]] = []
    y += 4
    legend_y = y
    lw = inner_w - 52
    kinds = (["process"] if any(not b.sub for b in boxes.values()) else []) + \
        (["sub"] if any(b.sub for b in boxes.values()) else [])
    for key in kinds + rels:
        legend_lines = wrap(text["legend_" + key], lw, FS_SMALL)
        legend.append((key, legend_lines))
        y += max(len(legend_lines) * LH_SMALL, 20) + 4
    height = y + MARGIN
    return Layout(width=width, height=height, title=title, title_y=title_y, goal_band=goal_band,
                  goal_header=goal_header, goal_header_y=goal_header_y, lanes=lanes,
                  boxes=list(boxes.values()) + goal_boxes, arrows=arrows, legend_y=legend_y, legend=legend, rels=rels)


def _free_x(x: float, used: list[float], lo: float, hi: float, gap: float = 6.0) -> float:
    """``x``, or the nearest point in [lo, hi] at least ``gap`` from every x in ``used``."""
    for step in range(0, int(hi - lo) + 1):
        for cand in (x + step, x - step):
            if lo <= cand <= hi and all(abs(cand - u) >= gap for u in used):
                return cand
    return x


def _far(segs: list, index: int) -> float:
    """Where the first (index 0) or last (-1) vertical run of a route heads: its far position."""
    seg = segs[index]
    if seg[0] != "V":
        return 0.0
    return seg[3] if index == 0 else seg[2]


def _xk(routes: list, ai: int, si: int, k: int, vtrack_x) -> float:
    """x where horizontal segment ``si`` of route ``ai`` meets channel ``k``: the neighbouring vertical's
    track, else the channel's middle."""
    segs = routes[ai].segs
    for sj in (si - 1, si + 1):
        if 0 <= sj < len(segs) and segs[sj][0] == "V" and segs[sj][1] == k:
            return vtrack_x(k, (ai, sj))
    return vtrack_x(k, (-1, -1))


def _clean(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and the middle of straight runs."""
    out: list[tuple[float, float]] = []
    for p in pts:
        p = (round(p[0], 1), round(p[1], 1))
        if out and out[-1] == p:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (x0 == x1 == p[0]) or (y0 == y1 == p[1]):
                out[-1] = p
                continue
        out.append(p)
    return out
