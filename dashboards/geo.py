"""North Carolina's counties as SVG paths, and their Social Vulnerability Index.

The outlines (dashboards/data/nc_counties.geojson, longitude/latitude) are projected once per
process: an equirectangular projection scaled by the cosine of the state's middle latitude (a
state is small enough for it), fitted to `WIDTH`, and simplified by dropping each point that
lands within half a pixel of the previous one kept (60 KB of coordinates become about 25 KB of
path). The CSV's figures are ACS 2014-2018 estimates (data/README.md).
"""

import csv
import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
WIDTH = 800
MIN_STEP = 0.5  # px


@dataclass(frozen=True)
class CountyFacts:
    fips: str
    name: str
    population: int
    minority: int
    age_65_plus: int
    svi: float  # overall percentile, 0-1, higher is more vulnerable

    @property
    def minority_share(self) -> float:
        return self.minority / self.population if self.population else 0.0


@cache
def county_facts() -> dict[str, CountyFacts]:
    with (DATA / "nc_county_svi.csv").open(encoding="utf-8", newline="") as handle:
        return {
            row["county_fips"]: CountyFacts(
                fips=row["county_fips"],
                name=row["county_name"],
                population=int(row["population"]),
                minority=int(row["minority"]),
                age_65_plus=int(row["age_65_plus"]),
                svi=float(row["svi_overall"]),
            )
            for row in csv.DictReader(handle)
        }


@dataclass(frozen=True)
class CountyShape:
    fips: str
    name: str
    path: str  # the SVG path's `d`


@dataclass(frozen=True)
class Map:
    width: int
    height: int
    counties: tuple[CountyShape, ...]


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    return [ring for polygon in geometry["coordinates"] for ring in polygon]


@cache
def county_map() -> Map:
    features = json.loads((DATA / "nc_counties.geojson").read_text(encoding="utf-8"))["features"]
    points = [point for feature in features for ring in _rings(feature["geometry"]) for point in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = math.ceil((north - south) * scale)

    def project(point: list[float]) -> tuple[float, float]:
        return (point[0] - west) * squeeze * scale, (north - point[1]) * scale

    shapes = []
    for feature in features:
        parts = []
        for ring in _rings(feature["geometry"]):
            kept: list[tuple[float, float]] = []
            for x, y in map(project, ring):
                if not kept or abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= MIN_STEP:
                    kept.append((x, y))
            if len(kept) >= 3:
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in kept) + "Z")
        properties = feature["properties"]
        shapes.append(CountyShape(properties["county_fips"], properties["county_name"], "".join(parts)))
    return Map(width=WIDTH, height=height, counties=tuple(sorted(shapes, key=lambda shape: shape.fips)))
