import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";

/** Where to send to the server, and the local address it will see us at. */
export interface LocalRoute {
  readonly remoteAddress: string;
  readonly localAddress: string;
}

/**
 * Resolves the server and asks the kernel which local address routes to it: a
 * connected UDP socket sends nothing but gets a source address. The Contact and
 * Via must carry that address, not the 0.0.0.0 the device socket is bound to.
 */
export async function findLocalRoute(host: string, port: number): Promise<LocalRoute> {
  const { address: remoteAddress } = await lookup(host, { family: 4 });
  const probe = createSocket("udp4");
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.connect(port, remoteAddress, () => {
        probe.off("error", reject);
        resolve();
      });
    });
    return { remoteAddress, localAddress: probe.address().address };
  } finally {
    probe.close();
  }
}
