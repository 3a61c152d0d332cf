"""Settings that look right but are not: said at start-up, not discovered later."""

from __future__ import annotations

import logging

import pytest

from bot.bootstrap import build
from bot.config import Settings, StartupError, check_teams, manager_key

APP_ID = "00000000-0000-4000-8000-000000000001"


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ("U123ABC", ("slack", "U123ABC")),
        ("W0ENTERPRISE", ("slack", "W0ENTERPRISE")),
        ("29:1a2b-3c", ("teams", "29:1a2b-3c")),
        ("console:maya", ("console", "maya")),
        ("slack:U9", ("slack", "U9")),
    ],
)
def test_entries_in_a_recognised_form_raise_no_warning(entry: str, key: tuple[str, str]) -> None:
    assert manager_key(entry) == key
    assert settings(baton_managers=entry).manager_warnings() == []


def test_an_entry_in_no_recognised_form_is_named_in_a_warning_with_the_forms() -> None:
    warnings = settings(baton_managers="U_MGR, alice, U123ABC").manager_warnings()
    assert len(warnings) == 2
    assert "'U_MGR'" in warnings[0]
    assert "'alice'" in warnings[1]
    for warning in warnings:
        assert "Slack U…" in warning
        assert "Teams 29:…" in warning
        assert "console:NAME" in warning


def test_start_up_logs_the_warning(sqlite_url: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.bootstrap"):
        build(settings(database_url=sqlite_url, baton_managers="alice")).engine.dispose()
    assert any("'alice'" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"microsoft_app_type": "Multi"}, "MICROSOFT_APP_TYPE"),
        (
            {
                "microsoft_app_id": APP_ID,
                "microsoft_app_type": "SingleTenant",
                "microsoft_app_password": "s",
            },
            "MICROSOFT_APP_TENANT_ID",
        ),
        (
            {"microsoft_app_id": APP_ID, "microsoft_app_type": "UserAssignedMSI"},
            "MICROSOFT_APP_TENANT_ID",
        ),
        ({"microsoft_app_id": APP_ID}, "MICROSOFT_APP_PASSWORD"),
    ],
)
def test_teams_settings_botbuilder_would_reject_are_refused_up_front(
    values: dict[str, str], named: str
) -> None:
    with pytest.raises(StartupError, match=named):
        check_teams(settings(**values))


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"microsoft_app_id": APP_ID, "microsoft_app_password": "s"},
        {
            "microsoft_app_id": APP_ID,
            "microsoft_app_password": "s",
            "microsoft_app_type": "singletenant",
            "microsoft_app_tenant_id": "t",
        },
        {
            "microsoft_app_id": APP_ID,
            "microsoft_app_type": "UserAssignedMSI",
            "microsoft_app_tenant_id": "t",
        },
    ],
    ids=["auth-off", "multi-tenant", "single-tenant", "managed-identity"],
)
def test_complete_teams_settings_pass(values: dict[str, str]) -> None:
    check_teams(settings(**values))


def test_self_join_is_off_unless_baton_self_join_names_the_roles() -> None:
    assert settings().relay_config().self_join == frozenset()
    opened = settings(baton_self_join="qualifier,prospector").relay_config().self_join
    assert opened == {"qualifier", "prospector"}


def test_a_self_join_word_that_is_not_a_role_stops_the_start() -> None:
    with pytest.raises(ValueError, match="`qualifer` is not a role"):
        settings(baton_self_join="qualifer")
