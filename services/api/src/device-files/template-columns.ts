import { AccessProtocol, DeviceType, TransportProtocol } from "../store/device-enums.js";

/** The device/add field a template column fills (spec 02 §1); ClusterId is given as the node's name or id. */
export type TemplateField = "Name" | "Type" | "TransportProtocol" | "Password" | "Description" | "ClusterId";

export interface Choice {
  readonly label: string;
  readonly value: number;
}

export interface TemplateColumn {
  readonly field: TemplateField;
  /** Exactly the header cell; `*` marks a column that must be filled. */
  readonly header: string;
  /** Enumerated columns: the labels offered by the cell's drop-down list. */
  readonly choices?: readonly Choice[];
  readonly width: number;
}

const IPC_NVR: readonly Choice[] = [
  { label: "IPC", value: DeviceType.Ipc },
  { label: "NVR", value: DeviceType.Nvr },
];

const name: TemplateColumn = { field: "Name", header: "*设备名称", width: 24 };
const description: TemplateColumn = { field: "Description", header: "设备描述", width: 30 };
const cluster: TemplateColumn = { field: "ClusterId", header: "服务节点", width: 24 };

/**
 * The import template's columns per AccessProtocol (the seed prints none: docs/api-decisions.md).
 * RTMP devices are IPCs and have no password or media transport (device/add ignores both for them).
 */
export const TEMPLATE_COLUMNS: Readonly<Record<1 | 2, readonly TemplateColumn[]>> = {
  [AccessProtocol.Rtmp]: [name, { field: "Type", header: "*设备类型", choices: [{ label: "IPC", value: DeviceType.Ipc }], width: 12 }, description, cluster],
  [AccessProtocol.Gb]: [
    name,
    { field: "Type", header: "*设备类型", choices: IPC_NVR, width: 12 },
    {
      field: "TransportProtocol",
      header: "传输协议",
      choices: [
        { label: "UDP", value: TransportProtocol.Udp },
        { label: "TCP", value: TransportProtocol.Tcp },
      ],
      width: 12,
    },
    { field: "Password", header: "设备密码", width: 18 },
    description,
    cluster,
  ],
};

export type ImportProtocol = keyof typeof TEMPLATE_COLUMNS;

/** The example row under the header; a row equal to it (服务节点 aside) is not imported. */
export const EXAMPLE_ROW: Readonly<Record<TemplateField, string>> = {
  Name: "示例-前门摄像机",
  Type: "IPC",
  TransportProtocol: "UDP",
  Password: "12345678",
  Description: "一楼大厅",
  ClusterId: "",
};

/** Sheet name of the template, the result and the export. */
export const SHEET_NAME = "设备";
/** Rows a template's drop-down lists and text formats cover (the import's limit, plus header and example). */
export const MAX_IMPORT_ROWS = 5000;
