"""H3 cells for stores: res 9 (~0.1 km²) for exact neighbourhoods, res 7 (~5 km²)
as the coarse bucket a radius search starts from."""

from __future__ import annotations

import h3

FINE_RES = 9
COARSE_RES = 7


def cells(lat: float, lng: float) -> tuple[str, str]:
    return h3.latlng_to_cell(lat, lng, FINE_RES), h3.latlng_to_cell(lat, lng, COARSE_RES)
