"""Distances on the globe: great-circle distance, the centroid of points, and how compact they are.

Compactness of a set of accounts is the mean distance (km) of the accounts to their centroid
(the normalised mean of their unit vectors, which is right anywhere on the globe, unlike the mean
of latitudes and longitudes). Accounts without coordinates are left out; with none, compactness
is not available.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

EARTH_KM = 6371.0088

Point = tuple[float, float]


def distance_km(a: Point, b: Point) -> float:
    """Great-circle (haversine) distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def centroid(points: Iterable[Point]) -> Point | None:
    """The geographic centre of points, or ``None`` for no points."""
    xs = ys = zs = 0.0
    count = 0
    for lat, lon in points:
        rlat, rlon = math.radians(lat), math.radians(lon)
        xs += math.cos(rlat) * math.cos(rlon)
        ys += math.cos(rlat) * math.sin(rlon)
        zs += math.sin(rlat)
        count += 1
    if not count:
        return None
    return math.degrees(math.atan2(zs, math.hypot(xs, ys))), math.degrees(math.atan2(ys, xs))


def mean_distance_km(points: list[Point]) -> float | None:
    """Mean distance of the points to their centroid (``None`` for no points)."""
    centre = centroid(points)
    if centre is None:
        return None
    return sum(distance_km(p, centre) for p in points) / len(points)
