import { ErrorCodes } from "../errors/codes.js";
import { AccessProtocol, DeviceType, TransportProtocol } from "../store/device-enums.js";
import { DESCRIPTION_PATTERN, NAME_PATTERN, ORGANIZATION_ID_PATTERN, PASSWORD_PATTERN, UUID_PATTERN } from "./patterns.js";
import { int, str } from "./rules.js";

/** Device fields as device/add, update and the import check them (one rule each, so every path answers the same codes). */
export const deviceId = <R extends boolean>(description: string, required: R) =>
  str({ required, description, pattern: UUID_PATTERN, invalid: ErrorCodes.InvalidDeviceId });
export const organizationId = str({ required: true, description: "Organization id (\"0\" is the root)", pattern: ORGANIZATION_ID_PATTERN });
export const name = <R extends boolean>(required: R) =>
  str({
    required,
    description: "Device name: Chinese characters, letters, digits, _ and -; at most 32 characters; duplicates allowed",
    minLength: 1,
    maxLength: 32,
    pattern: NAME_PATTERN,
    invalid: ErrorCodes.NameInvalid,
  });
export const transportProtocol = int({
  required: false,
  description: "1 UDP (default), 2 TCP; GB devices only",
  values: Object.values(TransportProtocol),
});
// Spec: digits, 6–16; error 41635: longer than 1 and shorter than 64; the update example uses admin123.
export const password = str({
  required: false,
  description: "Device password (GB devices): letters and digits, 2–63 characters; generated when omitted",
  minLength: 2,
  maxLength: 63,
  lengthError: ErrorCodes.DevicePasswordLength,
  pattern: PASSWORD_PATTERN,
  invalid: ErrorCodes.DevicePasswordInvalid,
});
export const description = str({
  required: false,
  description: "Description: Chinese characters, letters, digits, _ and -; at most 128 characters",
  maxLength: 128,
  pattern: DESCRIPTION_PATTERN,
  invalid: ErrorCodes.DescriptionInvalid,
});

/** device/add's body (spec 02 §1); the import checks each row against it too. */
export const newDeviceFields = {
  Name: name(true),
  AccessProtocol: int({
    required: true,
    description: "1 RTMP, 2 GB28181",
    values: [AccessProtocol.Rtmp, AccessProtocol.Gb],
    invalid: ErrorCodes.InvalidAccessProtocol,
  }),
  Type: int({ required: true, description: "1 IPC, 2 NVR (RTMP devices must be IPC)", values: Object.values(DeviceType), invalid: ErrorCodes.InvalidDeviceType }),
  TransportProtocol: transportProtocol,
  Password: password,
  Description: description,
  OrganizationId: organizationId,
  ClusterId: str({ required: true, description: "Service node id from getuserregion", pattern: UUID_PATTERN, invalid: ErrorCodes.NoServiceNode }),
};
