import { AccessProtocol, DeviceStatus, DeviceType, TransportProtocol } from "../store/device-enums.js";
import type { DeviceListItem } from "../store/devices.js";
import { writeSheet } from "./excel.js";
import type { ImportProtocol } from "./template-columns.js";
import { EXAMPLE_ROW, MAX_IMPORT_ROWS, TEMPLATE_COLUMNS } from "./template-columns.js";

export const XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function letter(index: number): string {
  return String.fromCharCode(65 + index);
}

/** Columns whose cells Excel must keep as typed text (a password 00123456 stays 00123456). */
const TEXT_FIELDS = new Set(["Name", "Password", "Description", "ClusterId"]);

/** GET device/export/template (spec 02 §13): header, one example row, drop-down lists for the enumerated columns. */
export function templateWorkbook(protocol: ImportProtocol, nodeNames: readonly string[]): Promise<Buffer> {
  const columns = TEMPLATE_COLUMNS[protocol];
  return writeSheet(
    columns.map((c) => ({ width: c.width, text: TEXT_FIELDS.has(c.field) })),
    async (sheet) => {
      sheet.addRow(
        columns.map((c) => c.header),
        true,
      );
      sheet.addRow(columns.map((c) => (c.field === "ClusterId" ? (nodeNames[0] ?? "") : EXAMPLE_ROW[c.field])));
      const range = (i: number) => `${letter(i)}2:${letter(i)}${MAX_IMPORT_ROWS + 2}`;
      columns.forEach((c, i) => {
        if (c.choices) sheet.addList(range(i), c.choices.map((choice) => choice.label), c.header.replace("*", ""));
        if (c.field === "ClusterId" && nodeNames.length > 0) sheet.addList(range(i), nodeNames, "服务节点");
      });
    },
  );
}

/** One processed row of an import job, for the result file. */
export interface ResultRow {
  readonly number: number;
  readonly cells: readonly string[];
  readonly created: boolean;
  readonly deviceId: string;
  readonly deviceCode: string;
  readonly errorCode: number | undefined;
  readonly reason: string;
}

export const RESULT_HEADERS = ["行号", "导入结果", "设备ID", "设备编码", "错误码", "失败原因"] as const;

/** GET device/import/result (spec 02 §12): the template's columns as uploaded, then what became of each row. */
export function resultWorkbook(protocol: ImportProtocol, rows: readonly ResultRow[]): Promise<Buffer> {
  const columns = TEMPLATE_COLUMNS[protocol];
  const widths = [8, 10, 38, 22, 8, 60].map((width) => ({ width }));
  return writeSheet([...columns.map((c) => ({ width: c.width, text: true })), ...widths], async (sheet) => {
    sheet.addRow([...columns.map((c) => c.header), ...RESULT_HEADERS], true);
    for (const row of rows) {
      sheet.addRow([...row.cells, row.number, row.created ? "成功" : "失败", row.deviceId, row.deviceCode, row.errorCode ?? "", row.reason]);
    }
  });
}

const PROTOCOL_LABELS: Record<number, string> = { [AccessProtocol.Rtmp]: "RTMP", [AccessProtocol.Gb]: "GB28181", [AccessProtocol.Gateway]: "网关" };
const TYPE_LABELS: Record<number, string> = { [DeviceType.Ipc]: "IPC", [DeviceType.Nvr]: "NVR" };
const TRANSPORT_LABELS: Record<number, string> = { [TransportProtocol.Udp]: "UDP", [TransportProtocol.Tcp]: "TCP" };
const STATUS_LABELS: Record<number, string> = {
  [DeviceStatus.Unregistered]: "未注册",
  [DeviceStatus.Online]: "在线",
  [DeviceStatus.Offline]: "离线",
  [DeviceStatus.Disabled]: "禁用",
};

export const EXPORT_HEADERS = ["设备ID", "设备编码", "设备名称", "接入协议", "设备类型", "传输协议", "设备密码", "设备描述", "设备状态", "组织ID", "服务节点ID"] as const;

/** POST urm/resource/template (spec 02 §14): the device list's fields, enums as the console names them. */
export function deviceListWorkbook(pages: AsyncIterable<readonly DeviceListItem[]>): Promise<Buffer> {
  const widths = [38, 22, 24, 10, 10, 10, 18, 30, 10, 12, 38];
  return writeSheet(
    widths.map((width) => ({ width, text: true })),
    async (sheet) => {
      sheet.addRow(EXPORT_HEADERS, true);
      for await (const page of pages) {
        for (const d of page) {
          sheet.addRow([
            d.Id,
            d.Code,
            d.Name,
            PROTOCOL_LABELS[d.AccessProtocol] ?? String(d.AccessProtocol),
            TYPE_LABELS[d.Type] ?? String(d.Type),
            TRANSPORT_LABELS[d.TransportProtocol] ?? String(d.TransportProtocol),
            d.Password,
            d.Description,
            STATUS_LABELS[d.Status] ?? String(d.Status),
            d.OrganizationId,
            d.ClusterId,
          ]);
        }
      }
    },
  );
}
