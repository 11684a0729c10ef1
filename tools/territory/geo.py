"""Distances on the globe: great-circle distance, the centroid of points, and how compact they are.

Compactness of a set of accounts is the mean distance (km) of the accounts to their centroid
(the normalised mean of their unit vectors, which is right anywhere on the globe, unlike the mean
of latitudes and longitudes). Accounts without coordinates are left out; with none, compactness
is not available.

Whether a word names a city anywhere (:func:`is_city_name`), for a place asked about that no
account in scope is in.
"""

from __future__ import annotations

import csv
import gzip
import math
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from io import BytesIO

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


@cache
def _world_cities() -> frozenset[str]:
    """The names (case-folded) of the world's cities of 5,000 people or more: GeoNames'
    ``cities5000``, shipped inside the ``bokeh-sampledata`` wheel (read from the package, never
    downloaded)."""
    path = files("bokeh_sampledata") / "_data" / "world_cities.csv.gz"
    with gzip.open(BytesIO(path.read_bytes()), "rt", encoding="utf-8") as handle:
        return frozenset(row["name"].casefold() for row in csv.DictReader(handle) if row["name"])


def is_city_name(name: str) -> bool:
    """Whether ``name`` is the name of a city somewhere (5,000 people or more), whatever the data
    holds: "boston" is, "strategic" is not."""
    return " ".join(name.split()).casefold() in _world_cities()
