"""Routing and request bodies of the drill endpoints: tenants, backup info/overview, data backup and restore tasks,
backupNow, restore and task instances (all under ``/api/v2``; data: :mod:`~airflow_provider_ocp.testing.drills`).

Paging and ``startTime``/``endTime`` follow ``logBackupTasks``' rules (the same helpers). Restricted users get 403 on
``/backup/`` paths; tenants and task instances need only authentication. Error codes, the emulator's choice where
OCP's are not documented [uncertain]:

- a body that is not JSON, or a field missing, of the wrong type or with an unknown enum value: 400, code 0 (the
  framework's binding/validation errors), ``target`` the field's dotted path (e.g.
  ``restoreOnlineTenantRequiredParam.restoreTenantInfoParam.zones[0].resourcePool.unitCount``);
- unknown cluster, tenant, backup tenant, restore cluster or task instance: 404, code 10002;
- ``backupClusterId`` other than the path's cluster: 400, code 10001, target ``...backupClusterId``;
- ``restoreEndTime`` outside the tenant's RECOVERABLE windows: 400, code 10001, the windows in the message;
- a tenant name that exists in the restore cluster or is the target of a running restore: 400, code 10001, target
  ``...restoreTenantInfoParam.name``;
- backupNow for a tenant whose data backup still runs: HTTP 200, that tenant's result ``beSuccessful: false`` with
  ``errorCode`` ``BACKUP_TASK_ALREADY_RUNNING`` and a ``hint``.

Also the emulator's choice [uncertain]: task instance ``type`` ``RESTORE_TENANT`` / ``DATA_BACKUP``, ``operation``
``EXECUTE``; ``obClusterBackupStatus`` ``RUNNING`` (``NONE`` without log backup); a restored tenant is listed by
``/tenants`` and ``restoreTasks`` but has no backups, log archive or backup info of its own (backupNow: 404).
"""

from __future__ import annotations

import json
import re
from functools import partial
from typing import TYPE_CHECKING, Any

from airflow_provider_ocp.testing import drill_records as records
from airflow_provider_ocp.testing import wire
from airflow_provider_ocp.testing.api import ApiCall, EmulatorApi, bad_request, long_param, time_window
from airflow_provider_ocp.testing.clock import parse_query_time
from airflow_provider_ocp.testing.task_instances import DrillError
from airflow_provider_ocp.testing.wire import ApiError, RecordedRequest, Response

if TYPE_CHECKING:
    from airflow_provider_ocp.testing.server import OCPEmulator

_CLUSTER = r"^/api/v2/ob/clusters/([^/]+)"
_TENANTS = re.compile(_CLUSTER + r"/tenants$")
_BACKUP_VIEW = re.compile(_CLUSTER + r"/backup/(info|overview)$")
_TASK_LISTS = re.compile(_CLUSTER + r"(?:/tenants/([^/]+))?/backup/task/(dataBackupTasks|restoreTasks)$")
_BACKUP_NOW = re.compile(_CLUSTER + r"(?:/tenants/([^/]+))?/backup/backupNow$")
_RESTORE = re.compile(_CLUSTER + r"/backup/restore$")
_INSTANCES = re.compile(r"^/api/v2/tasks/instances(?:/([^/]+)(?:/subtasks/([^/]+)/(log))?)?$")
_DATA_BACKUP_MODES = {"FULL_BACKUP": True, "FULL": True, "INCREMENTAL_BACKUP": False, "INCREMENTAL": False}
_REPLICA_TYPES = ("FULL", "READONLY", "LOGONLY")
_ROOT = "restoreOnlineTenantRequiredParam"


def _method(request: RecordedRequest, allowed: str) -> None:
    if request.method != allowed:
        raise ApiError(405, wire.CODE_FRAMEWORK, f"Request method {request.method!r} not supported")


def _json_body(request: RecordedRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body.decode("utf-8")) if request.body else None
    except (UnicodeDecodeError, ValueError):
        raise bad_request("JSON parse error: the request body is not valid JSON", "body") from None
    if not isinstance(body, dict):
        raise bad_request("Required request body is missing or not a JSON object", "body")
    return body


def _get(obj: dict[str, Any], name: str, kind: str, path: str, required: bool = True) -> Any:
    """A field of a JSON object checked as ``kind`` (``str``, ``long``, ``object``, ``list``); 400 naming it."""
    where = f"{path}.{name}" if path else name
    value = obj.get(name)
    if value is None:
        if required:
            raise bad_request(f"{where} must not be null", where)
        return None
    ok = {
        "str": isinstance(value, str) and value.strip() != "",
        "long": (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, str) and value.isdigit()),
        "object": isinstance(value, dict),
        "list": isinstance(value, list) and len(value) > 0,
    }[kind]
    if not ok:
        expected = {
            "str": "a non-empty string",
            "long": "an integer",
            "object": "an object",
            "list": "a non-empty list",
        }
        raise bad_request(f"{where} must be {expected[kind]}, not {json.dumps(value)}", where)
    return int(value) if kind == "long" else value


def _enum(obj: dict[str, Any], name: str, allowed: Any, path: str, required: bool = True) -> str | None:
    value = _get(obj, name, "str", path, required)
    where = f"{path}.{name}" if path else name
    if value is not None and value not in allowed:
        raise bad_request(f"{where} {value!r} is not one of {', '.join(allowed)}", where)
    return value


def parse_restore_body(body: dict[str, Any]) -> dict[str, Any]:
    """The restore request's fields, checked strictly against OCP's ONLINE restore shape."""
    status = _enum(body, "backupTenantStatus", ("ONLINE", "OFFLINE"), "")
    if status == "OFFLINE":
        raise bad_request("The emulator restores ONLINE backup tenants only", "backupTenantStatus")
    param = _get(body, _ROOT, "object", "")
    info_path = f"{_ROOT}.restoreTenantInfoParam"
    info = _get(param, "restoreTenantInfoParam", "object", _ROOT)
    parsed = {
        name: _get(param, name, "long", _ROOT) for name in ("backupClusterId", "backupTenantId", "restoreClusterId")
    }
    end_text = _get(param, "restoreEndTime", "str", _ROOT)
    try:
        parsed["restoreEndTime"] = parse_query_time(end_text)
    except ValueError:
        where = f"{_ROOT}.restoreEndTime"
        raise bad_request(f"{where} {end_text!r} is not ISO-8601 with a colon offset or Z", where) from None
    parsed["name"] = _get(info, "name", "str", info_path)
    _get(info, "primaryZone", "str", info_path, required=False)
    for number, zone in enumerate(_get(info, "zones", "list", info_path)):
        zone_path = f"{info_path}.zones[{number}]"
        if not isinstance(zone, dict):
            raise bad_request(f"{zone_path} must be an object", zone_path)
        _get(zone, "name", "str", zone_path)
        _enum(zone, "replicaType", _REPLICA_TYPES, zone_path, required=False)
        pool = _get(zone, "resourcePool", "object", zone_path)
        _get(pool, "unitSpecName", "str", f"{zone_path}.resourcePool")
        if _get(pool, "unitCount", "long", f"{zone_path}.resourcePool") < 1:
            raise bad_request("unitCount must be 1 or more", f"{zone_path}.resourcePool.unitCount")
    return parsed


class DrillApi(EmulatorApi):
    """:class:`EmulatorApi` with the drill endpoints."""

    emu: OCPEmulator

    def route(self, call: ApiCall, path: str) -> Response | None:
        emu, request, params = self.emu, call.request, call.params
        if "/backup/" in path:
            if not any(p.match(path) for p in (_BACKUP_VIEW, _TASK_LISTS, _BACKUP_NOW, _RESTORE)):
                return None
            call.require_permission()
        if match := _TENANTS.match(path):
            _method(request, "GET")
            cluster_id, name = long_param(match[1], "id"), params.get("name") or None
            return self.paged(call, partial(records.list_tenants, emu, cluster_id, name))
        if match := _BACKUP_VIEW.match(path):
            _method(request, "GET")
            cluster_id = long_param(match[1], "id")
            if match[2] == "overview":
                return wire.success(request, emu.clock, records.backup_overview(emu, cluster_id))
            start, end = time_window(params, emu.max_time_range)
            return wire.success(request, emu.clock, records.backup_info(emu, cluster_id, start, end))
        if match := _TASK_LISTS.match(path):
            _method(request, "GET")
            lister = records.data_backup_tasks if match[3] == "dataBackupTasks" else records.restore_tasks
            return self.task_list(call, (match[1], match[2]), partial(lister, emu))
        if match := _BACKUP_NOW.match(path):
            _method(request, "POST")
            return self._backup_now(request, match)
        if match := _RESTORE.match(path):
            _method(request, "POST")
            return self._restore(request, long_param(match[1], "id"))
        if match := _INSTANCES.match(path):
            _method(request, "GET")
            return self._instances(call, match)
        return None

    def _backup_now(self, request: RecordedRequest, match: re.Match[str]) -> Response:
        cluster_id = long_param(match[1], "id")
        tenant_id = long_param(match[2], "tenantId") if match[2] is not None else None
        self.emu.cluster(cluster_id)
        body = _json_body(request)
        _enum(body, "backupMode", ("PHYSICAL_BACKUP", "LOGICAL_BACKUP"), "", required=False)
        mode = _enum(body, "dataBackupMode", tuple(_DATA_BACKUP_MODES), "")
        results = self.emu.backup_now(cluster_id, tenant_id, _DATA_BACKUP_MODES[str(mode)])
        data = {"obBackupTaskType": "DATA_BACKUP_NOW", "backupObjectOpsResultList": results}
        return wire.success(request, self.emu.clock, data)

    def _restore(self, request: RecordedRequest, cluster_id: int) -> Response:
        self.emu.cluster(cluster_id)
        body = _json_body(request)
        fields = parse_restore_body(body)
        if fields["backupClusterId"] != cluster_id:
            raise ApiError(
                400,
                wire.CODE_ILLEGAL_ARGUMENT,
                f"backupClusterId {fields['backupClusterId']} is not the cluster {cluster_id} of the request path",
                f"{_ROOT}.backupClusterId",
            )
        try:
            instance = self.emu.start_restore(
                cluster_id,
                fields["backupTenantId"],
                fields["restoreClusterId"],
                fields["name"],
                fields["restoreEndTime"],
                body,
            )
        except DrillError as error:
            status, code = (
                (404, wire.CODE_NOT_FOUND) if error.kind == "not_found" else (400, wire.CODE_ILLEGAL_ARGUMENT)
            )
            raise ApiError(status, code, error.message, error.target) from None
        return wire.success(request, self.emu.clock, {"obBackupTaskType": "RESTORE", "taskIdList": [instance.id]})

    def _instances(self, call: ApiCall, match: re.Match[str]) -> Response:
        emu, request = self.emu, call.request
        if match[1] is None:
            return self.paged(call, partial(records.task_instances, emu, call.params))
        instance_id = long_param(match[1], "taskInstanceId")
        with emu.lock:
            instance = emu.task_instance(instance_id)
            if instance is None:
                raise ApiError(404, wire.CODE_NOT_FOUND, f"Task instance {instance_id} does not exist")
            now, tz = emu.clock.now(), emu.clock.tz
            if match[3] is None:
                return wire.success(request, emu.clock, instance.render(now, tz))
            subtask_id = long_param(match[2], "subtaskInstanceId")
            index = instance.subtask_index(subtask_id)
            if index is None:
                message = f"Subtask {subtask_id} does not exist in task instance {instance_id}"
                raise ApiError(404, wire.CODE_NOT_FOUND, message)
            return wire.success(request, emu.clock, {"log": instance.subtask_log(index, now, tz)})
