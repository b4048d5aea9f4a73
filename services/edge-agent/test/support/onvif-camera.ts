import { createHash } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake camera was asked to do, in order (PTZ calls with their arguments). */
export type CameraCall = { op: string; profile?: string; args?: Record<string, string> };

function tag(body: string, name: string): string | undefined {
  return new RegExp(`<(?:\\w+:)?${name}[^>]*>([^<]*)</(?:\\w+:)?${name}>`).exec(body)?.[1];
}

function attr(body: string, element: string, name: string): string | undefined {
  return new RegExp(`<(?:\\w+:)?${element}[^>]*\\s${name}="([^"]*)"`).exec(body)?.[1];
}

function envelope(body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ` +
    `xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" ` +
    `xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}

const notAuthorized = envelope(
  `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value></SOAP-ENV:Code>` +
    `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">Sender not Authorized</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`,
);

/**
 * An ONVIF camera stand-in answering the calls the box makes, checking the WS-Security
 * UsernameToken digest (Base64(SHA-1(nonce + created + password))) on every request.
 */
export class OnvifCamera {
  readonly calls: CameraCall[] = [];
  private readonly presets = new Map<string, string>([["1", "door"]]);
  private server: Server | undefined;
  port = 0;
  /** How long each answer waits, to hold a request of the box in flight. */
  answerDelayMs = 0;

  constructor(
    private readonly user: string,
    private readonly password: string,
    private readonly rtspUrl: () => string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        const answer = this.answer(body);
        setTimeout(() => {
          res.writeHead(answer.status, { "content-type": "application/soap+xml; charset=utf-8" });
          res.end(answer.xml);
        }, this.answerDelayMs);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private authorized(body: string): boolean {
    const nonce = tag(body, "Nonce");
    const created = tag(body, "Created");
    if (tag(body, "Username") !== this.user || !nonce || !created) return false;
    const expected = createHash("sha1")
      .update(Buffer.concat([Buffer.from(nonce, "base64"), Buffer.from(created), Buffer.from(this.password)]))
      .digest("base64");
    return tag(body, "Password") === expected;
  }

  private answer(body: string): { status: number; xml: string } {
    if (!this.authorized(body)) return { status: 400, xml: notAuthorized };
    const base = `http://127.0.0.1:${this.port}`;
    const profile = tag(body, "ProfileToken");
    const ok = (xml: string): { status: number; xml: string } => ({ status: 200, xml: envelope(xml) });
    if (body.includes("GetDeviceInformation")) {
      return ok(
        `<tds:GetDeviceInformationResponse><tds:Manufacturer>TestCam &amp; Co</tds:Manufacturer><tds:Model>TC-1</tds:Model>` +
          `<tds:FirmwareVersion>1.0.7</tds:FirmwareVersion><tds:SerialNumber>SN42</tds:SerialNumber><tds:HardwareId>1</tds:HardwareId></tds:GetDeviceInformationResponse>`,
      );
    }
    if (body.includes("GetCapabilities")) {
      return ok(
        `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr></tt:Device>` +
          `<tt:Media><tt:XAddr>${base}/onvif/media_service</tt:XAddr></tt:Media><tt:PTZ><tt:XAddr>${base}/onvif/ptz_service</tt:XAddr></tt:PTZ>` +
          `</tds:Capabilities></tds:GetCapabilitiesResponse>`,
      );
    }
    if (body.includes("GetProfiles")) {
      const profileXml = (token: string, name: string, ptz: boolean): string =>
        `<trt:Profiles token="${token}" fixed="true"><tt:Name>${name}</tt:Name>` +
        `<tt:VideoSourceConfiguration token="VSC_1"><tt:Name>vsc</tt:Name><tt:SourceToken>VideoSource_1</tt:SourceToken></tt:VideoSourceConfiguration>` +
        `${ptz ? `<tt:PTZConfiguration token="PTZ_1"><tt:Name>ptz</tt:Name></tt:PTZConfiguration>` : ""}</trt:Profiles>`;
      return ok(`<trt:GetProfilesResponse>${profileXml("Profile_1", "mainStream", true)}${profileXml("Profile_2", "subStream", false)}</trt:GetProfilesResponse>`);
    }
    if (body.includes("GetStreamUri")) {
      this.calls.push({ op: "GetStreamUri", ...(profile ? { profile } : {}) });
      return ok(`<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${this.rtspUrl()}</tt:Uri><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`);
    }
    if (body.includes("ContinuousMove")) {
      this.calls.push({
        op: "ContinuousMove",
        ...(profile ? { profile } : {}),
        args: { x: attr(body, "PanTilt", "x") ?? "", y: attr(body, "PanTilt", "y") ?? "", zoom: attr(body, "Zoom", "x") ?? "", timeout: tag(body, "Timeout") ?? "" },
      });
      return ok(`<tptz:ContinuousMoveResponse/>`);
    }
    if (body.includes("tptz:Stop")) {
      this.calls.push({ op: "Stop", ...(profile ? { profile } : {}) });
      return ok(`<tptz:StopResponse/>`);
    }
    if (body.includes("GotoPreset")) {
      const token = tag(body, "PresetToken") ?? "";
      this.calls.push({ op: "GotoPreset", ...(profile ? { profile } : {}), args: { token } });
      if (!this.presets.has(token)) return { status: 400, xml: envelope(`<SOAP-ENV:Fault><SOAP-ENV:Reason><SOAP-ENV:Text>No such PTZ preset</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`) };
      return ok(`<tptz:GotoPresetResponse/>`);
    }
    if (body.includes("SetPreset")) {
      const token = String(this.presets.size + 1);
      this.presets.set(token, tag(body, "PresetName") ?? "");
      return ok(`<tptz:SetPresetResponse><tptz:PresetToken>${token}</tptz:PresetToken></tptz:SetPresetResponse>`);
    }
    if (body.includes("RemovePreset")) {
      this.presets.delete(tag(body, "PresetToken") ?? "");
      return ok(`<tptz:RemovePresetResponse/>`);
    }
    if (body.includes("GetPresets")) {
      const items = [...this.presets].map(([token, name]) => `<tptz:Preset token="${token}"><tt:Name>${name}</tt:Name></tptz:Preset>`).join("");
      return ok(`<tptz:GetPresetsResponse>${items}</tptz:GetPresetsResponse>`);
    }
    return { status: 400, xml: envelope(`<SOAP-ENV:Fault><SOAP-ENV:Reason><SOAP-ENV:Text>unsupported</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`) };
  }
}

/** Answers WS-Discovery Probes on a loopback UDP port with one ProbeMatch naming `xaddr`. */
export async function startDiscoveryResponder(xaddr: string): Promise<{ target: string; close(): void }> {
  const socket: Socket = createSocket("udp4");
  socket.on("message", (msg, rinfo) => {
    const text = msg.toString("utf8");
    const messageId = /<(?:\w+:)?MessageID>([^<]+)</.exec(text)?.[1];
    if (!text.includes("Probe") || !messageId) return;
    const reply =
      `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
      `xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">` +
      `<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action><a:RelatesTo>${messageId}</a:RelatesTo></s:Header>` +
      `<s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:cam-0001</a:Address></a:EndpointReference>` +
      `<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/name/TestCam onvif://www.onvif.org/location/store</d:Scopes>` +
      `<d:XAddrs>${xaddr}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
    socket.send(reply, rinfo.port, rinfo.address);
    // A stale answer to someone else's probe must be ignored.
    socket.send(reply.replace(messageId, "urn:uuid:not-yours"), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { target: `127.0.0.1:${socket.address().port}`, close: () => socket.close() };
}
