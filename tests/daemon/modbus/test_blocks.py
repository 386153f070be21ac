"""Block planning: adjacent registers coalesced, limits respected."""

from __future__ import annotations

from core.meters.profiles import RegisterKind, RegisterSpec, load_profiles
from core.meters.registers import DataType
from core.units import Quantity
from daemon.modbus.blocks import BoundRegister, bind, plan, split_at_gaps


def reg(
    address: int, type_: DataType = DataType.FLOAT32, kind: RegisterKind = RegisterKind.INPUT
) -> BoundRegister:
    spec = RegisterSpec(field=f"f{address}", address=address, type=type_, quantity=Quantity.OTHER)
    return BoundRegister(spec, kind, address, spec.count)


def spans(blocks) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    return [(b.kind.value, b.address, b.count) for b in blocks]


def test_adjacent_registers_become_one_block() -> None:
    assert spans(plan([reg(0), reg(2), reg(4)], max_count=125, max_gap=0)) == [("input", 0, 6)]


def test_gaps_are_spanned_only_up_to_max_gap() -> None:
    registers = [reg(0), reg(10), reg(40)]
    assert spans(plan(registers, max_count=125, max_gap=8)) == [("input", 0, 12), ("input", 40, 2)]
    assert spans(plan(registers, max_count=125, max_gap=30)) == [("input", 0, 42)]


def test_blocks_never_exceed_the_read_limit() -> None:
    registers = [reg(a) for a in range(0, 300, 2)]
    blocks = plan(registers, max_count=125, max_gap=0)
    assert all(b.count <= 125 for b in blocks)
    assert sum(len(b.registers) for b in blocks) == len(registers)
    assert spans(blocks)[:2] == [("input", 0, 124), ("input", 124, 124)]


def test_holding_and_input_registers_are_never_mixed() -> None:
    blocks = plan([reg(0), reg(2, kind=RegisterKind.HOLDING)], max_count=125, max_gap=10)
    assert spans(blocks) == [("holding", 2, 2), ("input", 0, 2)]


def test_split_at_gaps_reads_only_mapped_runs() -> None:
    (block,) = plan([reg(0), reg(2), reg(10), reg(12, DataType.UINT16)], max_count=125, max_gap=20)
    assert spans(split_at_gaps(block)) == [("input", 0, 4), ("input", 10, 3)]


def test_shipped_profiles_plan_into_few_reads() -> None:
    profiles = load_profiles()
    sdm630 = profiles["eastron_sdm630"]
    blocks = plan(bind(sdm630), max_count=sdm630.max_registers_per_read, max_gap=sdm630.max_gap)
    assert spans(blocks) == [("input", 0, 76), ("input", 0x156, 2)]
    sunspec = profiles["sunspec"]
    blocks = plan(bind(sunspec, 40070), max_count=125, max_gap=sunspec.max_gap)
    assert spans(blocks) == [("holding", 40072, 53)]
