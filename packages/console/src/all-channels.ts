import type { Api } from "./api.js";
import { ACCESS_RTMP, type Channel, type Device } from "./types.js";

export interface ChannelOfDevice extends Channel {
  readonly deviceName: string;
}

/** Every channel of every GB / gateway device (first 100 devices): the live grid's and pickers' choices. */
export async function allChannels(api: Api): Promise<ChannelOfDevice[]> {
  const page = await api<{ List: Device[] }>("GET", "/ivc/urm/resource/getUserResources", { OrganizationId: "0", IsContainSubLevel: "true", PageNumber: "1", PageSize: "100" });
  const lists = await Promise.all(
    page.List.filter((d) => d.AccessProtocol !== ACCESS_RTMP).map(async (d) =>
      (await api<Channel[]>("GET", "/ivc/cms/device/channel", { DeviceId: d.Id })).map((c) => ({ ...c, deviceName: d.Name })),
    ),
  );
  return lists.flat();
}
