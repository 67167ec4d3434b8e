"""List prices, read from the dated price files in ``vpc_patterns/data``.

Every price the library uses lives in a ``prices-YYYY-MM.json`` file (the
newest is used), never in code: :func:`load_prices` reads and validates one
into a :class:`PriceTable` (exact decimals, one :class:`RegionPrices` per
region), and :func:`region_prices` looks up one region of the newest file.
Pure Python; the cost estimate (:mod:`vpc_patterns.check.cost`) and the
interface-endpoint plan (:mod:`vpc_patterns.plan.endpoints`) read prices here.

File format: ``date`` (``YYYY-MM``), ``currency``, ``hours_per_month`` (730
by default), ``source``, ``excludes`` (what the prices leave out) and
``regions``: region code -> ``name``, the hourly prices
``nat_gateway_hour``, ``interface_endpoint_az_hour``, ``vpn_connection_hour``,
``public_ipv4_hour``, ``ec2_hour`` (instance type -> hourly price) and,
optionally, ``interface_endpoint_gb`` (per GB processed) and
``resolver_endpoint_eni_hour`` (Route 53 Resolver endpoint address hour). A
top-level ``sources`` object names where a price was read (key -> url, date).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from vpc_patterns.errors import ConfigError

#: The folder of the dated price files.
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
#: The region assumed when nothing names one (an environment-agnostic template).
DEFAULT_REGION = "us-east-1"
#: ``us-east-1``, ``ap-southeast-1``, ``us-gov-west-1``, ``eu-central-2``...
REGION_CODE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-[0-9]+\Z")
_PRICE_FILE = re.compile(r"^prices-([0-9]{4})-([0-9]{2})\.json\Z")
#: The hourly prices every region of a price file must give.
_PRICE_KEYS = ("nat_gateway_hour", "interface_endpoint_az_hour", "vpn_connection_hour",
               "public_ipv4_hour")
#: Prices a region may leave out (None when absent).
_OPTIONAL_PRICE_KEYS = ("interface_endpoint_gb", "resolver_endpoint_eni_hour")


@dataclass(frozen=True)
class RegionPrices:
    """List prices (USD) of one region: hourly, except ``interface_endpoint_gb``."""

    code: str
    name: str
    nat_gateway_hour: Decimal
    interface_endpoint_az_hour: Decimal
    vpn_connection_hour: Decimal
    public_ipv4_hour: Decimal
    #: EC2 on-demand (Linux) hourly price by instance type
    ec2_hour: Mapping[str, Decimal]
    #: interface endpoint data processing per GB (first petabyte a month);
    #: None when the price file has none for the region
    interface_endpoint_gb: Decimal | None = None
    #: Route 53 Resolver endpoint, per IP address (network interface) hour;
    #: None when the price file has none for the region
    resolver_endpoint_eni_hour: Decimal | None = None


@dataclass(frozen=True)
class PriceTable:
    """One dated price file."""

    date: str
    currency: str
    hours_per_month: int
    source: str
    excludes: tuple[str, ...]
    regions: Mapping[str, RegionPrices]
    #: file name (or a description for tables built in code)
    file: str = "<built in code>"

    def region(self, code: str) -> RegionPrices:
        """The prices of ``code``; ConfigError listing the known regions."""
        prices = self.regions.get(code)
        if prices is None:
            raise ConfigError(
                f"region {code!r} is not in the price file {self.file} ({self.date}); "
                f"known regions: {', '.join(sorted(self.regions))}"
            )
        return prices

    @staticmethod
    def from_dict(data: Any, file: str = "<built in code>") -> PriceTable:
        """Validate and build a table from the JSON form (prices as numbers,
        read as exact decimals)."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"price file {file}: expected an object")
        date = data.get("date")
        if not isinstance(date, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}", date):
            raise ConfigError(f"price file {file}: 'date' {date!r} must be 'YYYY-MM'")
        hours = data.get("hours_per_month", 730)
        if isinstance(hours, bool) or not isinstance(hours, (int, Decimal)) or int(hours) != hours \
                or int(hours) <= 0:
            raise ConfigError(f"price file {file}: 'hours_per_month' {hours!r} must be a "
                              "positive whole number")
        regions_raw = data.get("regions")
        if not isinstance(regions_raw, Mapping) or not regions_raw:
            raise ConfigError(f"price file {file}: 'regions' must be a non-empty object")
        regions: dict[str, RegionPrices] = {}
        for code, r in regions_raw.items():
            if not isinstance(code, str) or not REGION_CODE.match(code):
                raise ConfigError(f"price file {file}: {code!r} is not a region code such as "
                                  "'us-east-1'")
            if not isinstance(r, Mapping):
                raise ConfigError(f"price file {file}: region {code} must be an object")
            values: dict[str, Decimal | None] = {
                k: _price(file, f"{code}.{k}", r.get(k)) for k in _PRICE_KEYS}
            for k in _OPTIONAL_PRICE_KEYS:
                if r.get(k) is not None:
                    values[k] = _price(file, f"{code}.{k}", r[k])
            ec2 = r.get("ec2_hour", {})
            if not isinstance(ec2, Mapping):
                raise ConfigError(f"price file {file}: {code}.ec2_hour must be an object")
            regions[code] = RegionPrices(
                code, str(r.get("name", code)), ec2_hour={
                    str(t): _price(file, f"{code}.ec2_hour.{t}", p) for t, p in ec2.items()},
                **values)  # type: ignore[arg-type]
        excludes = data.get("excludes", [])
        return PriceTable(date, str(data.get("currency", "USD")), int(hours),
                          str(data.get("source", "")),
                          tuple(str(e) for e in excludes) if isinstance(excludes, list) else (),
                          regions, file)


def _price(file: str, what: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ConfigError(f"price file {file}: {what} {value!r} must be a number (USD per hour)")
    d = Decimal(str(value))
    if d < 0:
        raise ConfigError(f"price file {file}: {what} {value!r} is negative")
    return d


def price_files(directory: Path = DATA_DIR) -> list[Path]:
    """The dated price files, oldest first."""
    return sorted(p for p in directory.glob("prices-*.json") if _PRICE_FILE.match(p.name))


#: Tables already read, by resolved path: each file is read once per process.
_CACHE: dict[str, PriceTable] = {}


def load_prices(path: str | Path | None = None) -> PriceTable:
    """Read a price file (default: the newest ``data/prices-YYYY-MM.json``)."""
    if path is None:
        files = price_files()
        if not files:
            raise ConfigError(f"no prices-YYYY-MM.json in {DATA_DIR}")
        p = files[-1]
    else:
        p = Path(path)
    key = str(p.resolve())
    if key not in _CACHE:
        try:
            data = json.loads(p.read_text(encoding="utf-8"), parse_float=Decimal)
        except (OSError, ValueError) as err:
            raise ConfigError(f"price file {p}: not readable JSON: {err}") from None
        _CACHE[key] = PriceTable.from_dict(data, p.name)
    return _CACHE[key]


def region_prices(region: str = DEFAULT_REGION) -> RegionPrices:
    """The prices of ``region`` in the newest price file (ConfigError listing
    the known regions when it has none)."""
    return load_prices().region(region)


__all__ = [
    "DATA_DIR",
    "DEFAULT_REGION",
    "REGION_CODE",
    "PriceTable",
    "RegionPrices",
    "load_prices",
    "price_files",
    "region_prices",
]
