"""Great-circle distance and the H3 cells covering a disk.

A radius query reads the listings whose H3 cell (at a resolution chosen from the
radius) may intersect the disk, then keeps those whose exact haversine distance is
within the radius. H3 handles the anti-meridian and the poles, so the candidate step
needs no special cases; the exact distance decides.
"""

from __future__ import annotations

import math

import h3

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def resolution_for(radius_m: float) -> int:
    """The listing column to search: fine cells for small radii, coarse for large ones."""
    if radius_m <= 5_000:
        return 8
    if radius_m <= 15_000:
        return 7
    return 5


def _circumradius_m(cell: str) -> float:
    """Largest distance from the cell's centre to one of its vertices."""
    clat, clng = h3.cell_to_latlng(cell)
    return max(haversine_m(clat, clng, vlat, vlng) for vlat, vlng in h3.cell_to_boundary(cell))


def covering_cells(lat: float, lng: float, radius_m: float, res: int) -> list[str]:
    """Cells at `res` that may intersect the disk (lat, lng, radius_m).

    Cells are locally near-regular hexagons of circumradius R (measured on the cell
    holding the centre, with a 25% allowance for distortion between neighbours). Ring k
    of a hexagonal grid lies at least 1.5*k*R from the origin's centre, so a disk of k
    rings reaches past radius + 2R (the query point may sit R off the origin's centre,
    and a touching cell's centre lies within R of the disk). Of those, only cells whose
    centre is within radius + R are kept; grid_disk copes with pentagons, the
    anti-meridian and the poles.
    """
    origin = h3.latlng_to_cell(lat, lng, res)
    circum = _circumradius_m(origin) * 1.25
    k = math.ceil((radius_m + 2 * circum) / (1.5 * circum * 0.8)) + 1
    reach = radius_m + circum
    disk = h3.grid_disk(origin, k)
    m_per_deg = math.pi * EARTH_RADIUS_M / 180
    span = (reach * 1.05) / m_per_deg
    if abs(lat) + span < 80 and lng - 3 * span > -180 and lng + 3 * span < 180:
        # Away from poles and the anti-meridian a planar check with a 5% margin keeps a
        # superset of the exact one, at a quarter of the cost.
        kx = math.cos(math.radians(lat))
        limit = (reach * 1.05 / m_per_deg) ** 2
        kept = []
        for cell in disk:
            clat, clng = h3.cell_to_latlng(cell)
            dy, dx = clat - lat, (clng - lng) * kx
            if dx * dx + dy * dy <= limit:
                kept.append(cell)
        return kept
    kept = []
    for cell in disk:
        clat, clng = h3.cell_to_latlng(cell)
        if haversine_m(lat, lng, clat, clng) <= reach:
            kept.append(cell)
    return kept
