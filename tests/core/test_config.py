"""Configuration: the example passes; every mistake is reported with file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.config import load_config, parse_config
from core.config.models import BuildingCategory
from core.errors import ConfigError
from enms.cli.main import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config" / "example.yaml"

MINIMAL = """\
version: 1
portfolio:
  name: Testkommun
modbus:
  gateways:
    - {id: gw, host: 127.0.0.1}
sites:
  - id: skolan
    name: Skolan
    buildings:
      - {id: skolan-a, name: Hus A, category: school, atemp_m2: 1000}
    meters:
      - id: el
        building: skolan-a
        medium: electricity
        unit: kWh
        modbus: {gateway: gw, unit_id: 1, profile: eastron_sdm630}
"""


def issues_of(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(textwrap.dedent(text), file="site.yaml", **kwargs)  # type: ignore[arg-type]
    return [str(issue) for issue in caught.value.issues]


def test_example_configuration_is_valid_and_describes_a_municipal_portfolio() -> None:
    config = load_config(EXAMPLE, environ={})
    categories = {building.category for _, building in config.buildings()}
    assert {
        BuildingCategory.SCHOOL,
        BuildingCategory.PRESCHOOL,
        BuildingCategory.ELDERLY_CARE,
        BuildingCategory.OFFICE,
    } <= categories
    assert all(building.atemp_m2 > 0 for _, building in config.buildings())
    assert {m.modbus is not None for _, m in config.meters()} == {True, False}
    assert config.storage.backend == "influxdb"


def test_config_check_command_exits_zero_on_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", str(EXAMPLE)]) == 0
    assert "OK" in capsys.readouterr().out


def test_several_mistakes_are_all_reported_with_file_line_and_field_path() -> None:
    text = """\
    version: 1
    portfolio:
      name: Testkommun
      timezone: Europe/Stokholm
    sites:
      - id: skolan
        name: Skolan
        buildings:
          - {id: skolan-a, name: Hus A, category: skola, atemp_m2: 1000}
      - id: forskolan
        name: Förskolan
        buildings:
          - id: forskolan
            name: Förskolan
            category: preschool
            atemp_m2: -20
        meters:
          - {id: el, building: forskolan, medium: electricity, unit: kWh,
             modbus: {gateway: gw, unit_id: 1, profile: p}}
          - {id: el2, building: forskolan, medium: electricity, unit: kWh,
             modbus: {gateway: gw, unit_id: 2, profile: p}}
          - {id: el3, building: forskolan, medium: electricity, unit: kWh,
             modbus: {gateway: gw, unit_id: 3, profile: p}}
          - id: el4
            building: forskolan
            medium: electricity
            unit: kWh
            modbus:
              gateway: gw
              unit_id: 300
              profile: p
              poll_intervall_s: 10
    """
    issues = issues_of(text)
    assert issues == [
        "site.yaml:4:3: portfolio.timezone: unknown time zone 'Europe/Stokholm'; "
        "use an IANA name such as 'Europe/Stockholm'",
        "site.yaml:9:37: building 'skolan-a' (sites[0].buildings[0].category): Input should be "
        "'school', 'preschool', 'elderly_care', 'office', 'sports_hall', 'swimming_pool', "
        "'residential', 'healthcare', 'culture', 'depot' or 'other' (got 'skola')",
        "site.yaml:16:9: building 'forskolan' (sites[1].buildings[0].atemp_m2): Input should be "
        "greater than 0 (got -20)",
        "site.yaml:30:11: meter 'el4' (sites[1].meters[3].modbus.unit_id): "
        "Input should be less than or equal to 255 (got 300)",
        "site.yaml:32:11: meter 'el4' (sites[1].meters[3].modbus.poll_intervall_s): "
        "unknown key 'poll_intervall_s' (misspelt, or not allowed here); "
        "did you mean 'poll_interval_s'?",
    ]


def test_config_check_command_lists_every_error_and_exits_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        MINIMAL.replace("atemp_m2: 1000", "atemp_m2: lots").replace("unit_id: 1", "unit_id: -1")
    )
    assert main(["config", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert (
        f"{bad}:11:55: building 'skolan-a' (sites[0].buildings[0].atemp_m2): Input should be a "
        "valid number" in err
    )
    assert f"{bad}:17:31: meter 'el' (sites[0].meters[0].modbus.unit_id): Input should be" in err
    assert "2 errors" in err


def test_missing_required_keys_point_at_the_enclosing_entry() -> None:
    issues = issues_of(MINIMAL.replace("        medium: electricity\n", ""))
    assert issues == [
        "site.yaml:13:9: meter 'el' (sites[0].meters[0].medium): required key 'medium' is missing"
    ]


def test_cross_references_are_checked_and_all_reported() -> None:
    text = MINIMAL + textwrap.indent(
        textwrap.dedent("""\
      - id: skolan
        name: Skolan igen
        buildings:
          - {id: skolan-b, name: Hus B, category: school, atemp_m2: 500}
        meters:
          - {id: el, building: skolan-a, medium: electricity, unit: kWh, seu: vent,
             modbus: {gateway: gw2, unit_id: 1, profile: p}}
          - {id: fjv, building: skolan-b, medium: district_heating, unit: kWh,
             mqtt: {topic: a/b}}
    """),
        "  ",
    )
    messages = "\n".join(issues_of(text))
    assert "(sites[1].id): duplicate site id 'skolan' (first used at sites[0].id)" in messages
    assert "meter 'el' (sites[1].meters[0].id): duplicate meter id 'el'" in messages
    assert "(sites[1].meters[0].building): unknown building 'skolan-a'" in messages
    assert "(sites[1].meters[0].seu): unknown SEU 'vent'" in messages
    assert "(sites[1].meters[0].modbus.gateway): unknown gateway 'gw2'" in messages
    assert (
        "meter 'fjv' (sites[1].meters[1].mqtt): an MQTT meter needs the top-level 'mqtt' broker "
        "section" in messages
    )


def test_sub_meters_name_a_main_meter_of_the_same_site_and_medium_without_loops() -> None:
    text = (
        MINIMAL
        + textwrap.indent(
            textwrap.dedent("""\
      - id: hallen
        name: Sporthallen
        buildings:
          - {id: hall, name: Hall, category: sports_hall, atemp_m2: 900}
        meters:
          - {id: el-main, building: hall, medium: electricity, unit: kWh, mqtt: {topic: h/1}}
          - {id: el-vent, building: hall, medium: electricity, unit: kWh, parent: el-main,
             mqtt: {topic: h/2}}
          - {id: el-x, building: hall, medium: electricity, unit: kWh, parent: el,
             mqtt: {topic: h/3}}
          - {id: fjv, building: hall, medium: district_heating, unit: kWh, parent: el-main,
             mqtt: {topic: h/4}}
          - {id: el-a, building: hall, medium: electricity, unit: kWh, parent: el-b,
             mqtt: {topic: h/5}}
          - {id: el-b, building: hall, medium: electricity, unit: kWh, parent: el-a,
             mqtt: {topic: h/6}}
    """),
            "  ",
        )
        + "mqtt: {host: 127.0.0.1}\n"
    )
    issues = [issue.split(": ", 1)[1] for issue in issues_of(text)]
    assert issues == [
        "meter 'el-x' (sites[1].meters[2].parent): unknown meter 'el' in site 'hallen'",
        "meter 'fjv' (sites[1].meters[3].parent): meter 'el-main' measures electricity, not "
        "district_heating",
        "meter 'el-a' (sites[1].meters[4].parent): meter 'el-a' is its own main meter, through "
        "its parents",
        "meter 'el-b' (sites[1].meters[5].parent): meter 'el-b' is its own main meter, through "
        "its parents",
    ]


def test_unit_must_fit_the_medium_and_kind() -> None:
    text = MINIMAL.replace("unit: kWh", "unit: °C")
    (issue,) = issues_of(text)
    assert "sites[0].meters[0]" in issue
    assert "unit '°C' does not fit a electricity meter of kind 'counter'" in issue


def test_environment_variables_are_substituted_and_missing_ones_reported() -> None:
    storage = """\
    storage:
      backend: influxdb
      influxdb:
        url: ${INFLUX_URL:-http://127.0.0.1:8086}
        database: enms
        token: ${INFLUX_TOKEN}
    """
    text = textwrap.dedent(storage) + MINIMAL
    config = parse_config(text, environ={"INFLUX_TOKEN": "s3cret"})
    assert config.storage.influxdb is not None
    assert config.storage.influxdb.url == "http://127.0.0.1:8086"
    assert config.storage.influxdb.token is not None
    assert config.storage.influxdb.token.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(config)
    (issue,) = issues_of(text, environ={})
    assert "storage.influxdb.token: environment variable INFLUX_TOKEN is not set" in issue


def test_secrets_are_never_echoed_in_error_messages() -> None:
    storage = """\
    storage:
      backend: influxdb
      influxdb:
        url: ${INFLUX_URL}
        database: enms
        username: enms
        password: hunter2-in-file
        token: tok-from-env
    """
    text = textwrap.dedent(storage) + MINIMAL
    messages = "\n".join(issues_of(text, environ={"INFLUX_URL": "not-a-url-secret-host"}))
    assert "not-a-url-secret-host" not in messages
    assert "hunter2" not in messages
    assert "tok-from-env" not in messages
    assert "storage.influxdb.url: must start with http://" in messages


def test_duplicate_yaml_keys_are_errors_not_silently_overwritten() -> None:
    text = MINIMAL.replace("  name: Testkommun\n", "  name: Testkommun\n  name: Annan\n")
    (issue,) = issues_of(text)
    assert issue == "site.yaml:4:3: portfolio.name: duplicate key 'name' (first given on line 3)"


def test_yaml_syntax_errors_name_the_line() -> None:
    (issue,) = issues_of("version: 1\nportfolio: {name: x\nsites: []\n")
    assert issue.startswith("site.yaml:3:")
    assert "YAML syntax" in issue


def test_a_file_that_is_not_a_mapping_is_explained() -> None:
    assert issues_of("- a\n- b\n") == ["site.yaml:1:1: the top level must be a mapping of sections"]
    assert issues_of("") == ["site.yaml:1:1: the file is empty"]


def test_missing_file_is_reported_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.yaml")
    assert str(tmp_path / "nope.yaml") in str(caught.value)


def test_relative_embedded_store_path_is_relative_to_the_config_file(tmp_path: Path) -> None:
    file = tmp_path / "conf" / "site.yaml"
    file.parent.mkdir()
    file.write_text("storage:\n  embedded:\n    path: data/enms.sqlite\n" + MINIMAL)
    config = load_config(file, environ={})
    assert config.storage.embedded.path == file.parent / "data" / "enms.sqlite"


def test_reads_without_a_key_only_on_a_loopback_address() -> None:
    (issue,) = issues_of(MINIMAL + "api: {host: 0.0.0.0, read_without_key: true}\n")
    assert "api" in issue
    assert "read_without_key needs a loopback host" in issue
    for host in ("127.0.0.1", "::1", "localhost"):
        config = parse_config(MINIMAL + f'api: {{host: "{host}", read_without_key: true}}\n')
        assert config.api.read_without_key


def test_a_meter_is_read_one_way_modbus_mqtt_or_a_plugin() -> None:
    both = MINIMAL.replace(
        "modbus: {gateway: gw, unit_id: 1, profile: eastron_sdm630}",
        "modbus: {gateway: gw, unit_id: 1, profile: eastron_sdm630}\n"
        "        plugin: {name: mbus_master, address: {primary: 5}}",
    )
    (issue,) = issues_of(both)
    assert "give exactly one of 'modbus', 'mqtt' or 'plugin' (found modbus and plugin)" in issue
    only_plugin = MINIMAL.replace(
        "modbus: {gateway: gw, unit_id: 1, profile: eastron_sdm630}",
        "plugin: {name: mbus_master, address: {primary: 5}}",
    )
    (_, meter), *_ = parse_config(only_plugin).meters()
    assert meter.plugin is not None
    assert meter.plugin.address == {"primary": 5}


def test_a_queue_smaller_than_a_write_batch_is_refused() -> None:
    text = MINIMAL.replace("version: 1\n", "version: 1\ndaemon: {max_queue: 1000}\n")
    text += 'storage: {backend: influxdb, influxdb: {url: "http://x:8086", database: d}}\n'
    (issue,) = issues_of(text)
    assert "daemon.max_queue" in issue
    assert "batch_size (5000)" in issue


def test_a_meter_topic_that_a_subscription_also_matches_is_refused() -> None:
    """The broker would deliver each message once per matching subscription."""
    text = MINIMAL.replace(
        "version: 1\n",
        "version: 1\nmqtt: {host: 127.0.0.1, subscriptions: "
        '[{topic: "shellies/{meter}/status/emdata:0", format: shelly_pro_3em_energy}]}\n',
    )
    text += (
        "      - {id: el-3em, building: skolan-a, medium: electricity, unit: kWh,\n"
        '         mqtt: {topic: "shellies/el-3em/status/emdata:0"}}\n'
    )
    (issue,) = issues_of(text)
    assert "also matched by the subscription" in issue


def test_evaluation_periods_are_relative_keywords_or_periods() -> None:
    (issue,) = issues_of(MINIMAL + "daemon: {evaluation_periods: [this_year, next_week]}\n")
    assert "daemon.evaluation_periods" in issue
    assert "'next_week'" in issue
    ok = parse_config(MINIMAL + "daemon: {evaluation_periods: [last_month, '2025-03']}\n")
    assert ok.daemon.evaluation_periods == ["last_month", "2025-03"]


def test_modbus_unit_zero_is_broadcast_and_refused() -> None:
    (issue,) = issues_of(MINIMAL.replace("unit_id: 1", "unit_id: 0"))
    assert "sites[0].meters[0].modbus.unit_id" in issue
    assert "broadcast address, which no meter answers" in issue


def test_a_misspelt_key_gets_the_key_it_probably_meant() -> None:
    (issue,) = issues_of(MINIMAL.replace("unit: kWh", "unti: kWh\n        unit: kWh"))
    assert "unknown key 'unti'" in issue
    assert "did you mean 'unit'?" in issue
    (issue,) = issues_of(MINIMAL + "daemon: {health_intervall_s: 5}\n")
    assert "did you mean 'health_interval_s'?" in issue
    (issue,) = issues_of(MINIMAL + "daemon: {zzz: 5}\n")
    assert "did you mean" not in issue  # nothing close: no guess


def test_tabs_and_bad_indentation_are_explained_in_words() -> None:
    (tab,) = issues_of(MINIMAL.replace("        unit: kWh", "\tunit: kWh"))
    assert "a tab character: YAML indents with spaces only" in tab
    (indent,) = issues_of(MINIMAL.replace("        unit: kWh", "          unit: kWh"))
    assert "indent" in indent.split("YAML syntax: ")[1]


def test_a_field_name_states_its_unit() -> None:
    from core.units import unit_of  # noqa: PLC0415

    assert [unit_of(f) for f in ("energy_kwh", "flow_m3h", "volume_m3", "power_factor")] == [
        "kWh", "m3/h", "m3", ""
    ]  # fmt: skip


def test_a_modbus_meters_unit_is_the_one_its_profile_gives(tmp_path: Path) -> None:
    from core.deployment import load_deployment  # noqa: PLC0415

    path = tmp_path / "site.yaml"
    path.write_text(MINIMAL.replace("unit: kWh", "unit: Wh"))
    with pytest.raises(ConfigError) as caught:
        load_deployment(path)
    (issue,) = [str(i) for i in caught.value.issues]
    assert "sites[0].meters[0].unit" in issue
    assert "profile 'eastron_sdm630' reads energy_kwh in kWh, not Wh: write unit: kWh" in issue
    path.write_text(MINIMAL)
    assert load_deployment(path).config.sites[0].meters[0].unit == "kWh"


SEVEN_MISTAKES = """\
version: 1
portfolio:
  name: Testkommun
modbus:
  gateways:
    - {id: gw, host: 127.0.0.1}
sites:
  - id: skolan
    name: Skolan
    buildings:
      - id: skolan-a
        name: Hus A
        category: school
        atemp_m2: 720,5
      - {id: skolan-b, name: Hus B, category: school, atemp_m2: 800}
    meters:
      - id: ekb-el-ftx
        building: skolan-a
        medium: electricity
        unit: kWh
        parrent: ekb-el
        modbus: {gateway: gw, unit_id: 2, profile: eastron_sdm630}
      - id: ekb-el
        building: skolan-a
        medium: electricity
        unit: kWh
        modbus: {gateway: gw, unit_id: 0, profile: eastron_sdm630}
      - id: ekb-fjv
        building: skolan-b
        medium: district_heating
        unit: kWh
        plugin: {name: mbus_master, address: {primary: 5}}
      - id: ekb-fjv
        building: skolan-b
        medium: electricity
        unit: kWh
        modbus: {gateway: gw, unit_id: 4, profile: eastron_sdm630}
      - id: ekb-el-kok
        building: skolan-b
        medium: electricity
        unit: kWh
        parent: ekb-fjv
        modbus: {gateway: gw9, unit_id: 5, profile: eastron_sdm630}
      - id: ekb-el-hiss
        building: skolan-c
        medium: electricity
        unit: kWh
        modbus: {gateway: gw, unit_id: 6, profile: eastron_sdm630}
      - id: ekb-el-pv
        building: skolan-b
        medium: electricity
        unit: Wh
        modbus: {gateway: gw, unit_id: 7, profile: eastron_sdm630}
"""


def test_seven_mistakes_are_reported_in_one_run_each_naming_its_meter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Schema errors and cross-references together; the meter named by its id, then its path."""
    path = tmp_path / "site.yaml"
    path.write_text(SEVEN_MISTAKES)
    assert main(["config", "check", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].endswith("7 errors"), lines
    expected = [
        ("building 'skolan-a' (sites[0].buildings[0].atemp_m2)", "720,5"),
        ("meter 'ekb-el-ftx' (sites[0].meters[0].parrent)", "did you mean 'parent'?"),
        ("meter 'ekb-el' (sites[0].meters[1].modbus.unit_id)", "broadcast"),
        ("meter 'ekb-fjv' (sites[0].meters[3].id)", "duplicate meter id 'ekb-fjv'"),
        ("meter 'ekb-el-kok' (sites[0].meters[4].modbus.gateway)", "unknown gateway 'gw9'"),
        ("meter 'ekb-el-hiss' (sites[0].meters[5].building)", "unknown building 'skolan-c'"),
        ("meter 'ekb-el-pv' (sites[0].meters[6].unit)", "not Wh"),
    ]
    for (where, what), line in zip(expected, lines, strict=False):
        assert where in line, (where, line)
        assert what in line, (what, line)
    # a sub-meter of the duplicated id is not reported as a misleading medium mismatch
    assert not any("measures district_heating" in line for line in lines)
