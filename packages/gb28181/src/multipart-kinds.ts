import { MultipartAssembler } from "./multipart-assembler.js";
import type { MultipartAssemblerOptions } from "./multipart-assembler.js";
import type { CatalogItem, PresetItem, RecordItem } from "./manscdp-types.js";

type AssemblerOptions = Omit<MultipartAssemblerOptions<never>, "itemKey">;

export function createCatalogAssembler(options: AssemblerOptions = {}): MultipartAssembler<CatalogItem> {
  return new MultipartAssembler<CatalogItem>({ ...options, itemKey: (item) => item.deviceId });
}

/** Record items have no identifier of their own; the time span and file identify a recording. */
export function createRecordInfoAssembler(options: AssemblerOptions = {}): MultipartAssembler<RecordItem> {
  return new MultipartAssembler<RecordItem>({
    ...options,
    itemKey: (item) => [item.deviceId, item.startTime, item.endTime, item.filePath, item.type].join("\u0000"),
  });
}

export function createPresetAssembler(options: AssemblerOptions = {}): MultipartAssembler<PresetItem> {
  return new MultipartAssembler<PresetItem>({ ...options, itemKey: (item) => item.presetId });
}
