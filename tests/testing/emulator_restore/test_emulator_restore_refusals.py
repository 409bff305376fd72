"""Restore requests the emulator refuses: end times outside the recoverable window, unknown clusters and tenants,
taken or running target names (also when raced), malformed bodies, offline restores and non-JSON bodies."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from emulator_restore_support import C1, C2, INFO, ROOT, T1, body, error, post

from airflow_provider_ocp.testing import OCPEmulator


def test_window_bounds_are_inclusive_and_outside_is_refused(emu: OCPEmulator) -> None:
    for end in ("2024-08-06T04:59:59.999Z", "2024-08-06T12:29:30.001Z", "2024-08-06T21:00:00+08:00"):
        message = error(post(emu, body(end=end)), 400, 10001, f"{ROOT}.restoreEndTime")
        assert "[2024-08-06T13:00:00+08:00, 2024-08-06T20:29:30+08:00]" in message
    assert post(emu, body("at_start", "2024-08-06T13:00:00+08:00")).status_code == 200
    assert post(emu, body("at_end", "2024-08-06T12:29:30Z")).status_code == 200
    emu.set_recoverable_windows(C1, T1, [])
    assert "none" in error(post(emu, body("later")), 400, 10001, f"{ROOT}.restoreEndTime")


def test_unknown_clusters_and_tenants_are_404(emu: OCPEmulator) -> None:
    wrong_tenant = body()
    wrong_tenant[ROOT]["backupTenantId"] = 2009999
    error(post(emu, wrong_tenant), 404, 10002, f"{ROOT}.backupTenantId")
    error(post(emu, body(target=1000077)), 404, 10002, f"{ROOT}.restoreClusterId")
    error(post(emu, body(), cluster_id=1000077), 404, 10002)
    error(post(emu, body(), cluster_id=C2), 400, 10001, f"{ROOT}.backupClusterId")


def test_existing_or_running_target_names_are_refused(emu: OCPEmulator) -> None:
    error(post(emu, body("tenant_2")), 400, 10001, f"{INFO}.name")
    assert post(emu, body("tenant_2", target=C1)).status_code == 400  # tenant_2 exists in cluster 1 too
    assert post(emu, body("drill")).status_code == 200
    assert "running restore" in error(post(emu, body("drill")), 400, 10001, f"{INFO}.name")
    assert post(emu, body("drill", target=C1)).status_code == 200  # another cluster: free


def _mutate(path: list[Any], value: Any) -> dict[str, Any]:
    payload = copy.deepcopy(body())
    holder: Any = payload
    for key in path[:-1]:
        holder = holder[key]
    if value is KeyError:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    ("path", "value", "target"),
    [
        (["backupTenantStatus"], KeyError, "backupTenantStatus"),
        (["backupTenantStatus"], "SLEEPING", "backupTenantStatus"),
        ([ROOT], KeyError, ROOT),
        ([ROOT], [1], ROOT),
        ([ROOT, "backupTenantId"], "abc", f"{ROOT}.backupTenantId"),
        ([ROOT, "restoreClusterId"], True, f"{ROOT}.restoreClusterId"),
        ([ROOT, "restoreEndTime"], KeyError, f"{ROOT}.restoreEndTime"),
        ([ROOT, "restoreEndTime"], "2024-08-06T12:00:00+0800", f"{ROOT}.restoreEndTime"),
        ([ROOT, "restoreTenantInfoParam", "name"], 7, f"{INFO}.name"),
        ([ROOT, "restoreTenantInfoParam", "zones"], [], f"{INFO}.zones"),
        ([ROOT, "restoreTenantInfoParam", "zones", 0, "replicaType"], "MIRROR", f"{INFO}.zones[0].replicaType"),
        ([ROOT, "restoreTenantInfoParam", "zones", 0, "resourcePool"], KeyError, f"{INFO}.zones[0].resourcePool"),
        (
            [ROOT, "restoreTenantInfoParam", "zones", 0, "resourcePool", "unitCount"],
            "x",
            f"{INFO}.zones[0].resourcePool.unitCount",
        ),
    ],
)
def test_body_shape_errors_name_the_field(emu: OCPEmulator, path: list[Any], value: Any, target: str) -> None:
    message = error(post(emu, _mutate(path, value)), 400, 0, target)
    assert target.rsplit(".", 1)[-1].split("[")[0] in message
    assert emu.restores == []


def test_offline_restore_and_non_json_bodies_are_refused(emu: OCPEmulator) -> None:
    offline = body()
    offline["backupTenantStatus"] = "OFFLINE"
    error(post(emu, offline), 400, 0, "backupTenantStatus")
    error(post(emu, [body()]), 400, 0, "body")


def test_concurrent_restores_to_one_name_start_once(emu: OCPEmulator) -> None:
    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(lambda _: post(emu, body("race")).status_code, range(8)))
    assert statuses == [200] + [400] * 7
    assert len(emu.restores) == 1
