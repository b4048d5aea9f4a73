import { describe, expect, it } from "vitest";
import {
  createDialogAsUac,
  createDialogAsUas,
  createInDialogRequest,
  createRequest,
  createResponse,
  dialogId,
  getHeader,
  getHeaderValues,
  withHeader,
  type SipVia,
} from "../src/index.js";

const via: SipVia = { protocol: "SIP/2.0", transport: "UDP", host: "192.168.1.10", port: 5060, params: { branch: "z9hG4bKbye" } };

function invite() {
  return createRequest({
    method: "INVITE",
    uri: "sip:34020000001320000001@192.168.1.64:5060",
    via: { ...via, params: { branch: "z9hG4bKinv" } },
    from: { uri: "sip:34020000002000000001@3402000000", params: { tag: "plat" } },
    to: { uri: "sip:34020000001320000001@3402000000", params: {} },
    callId: "call-9",
    cseq: 20,
    contact: { uri: "sip:34020000002000000001@192.168.1.10:5060", params: {} },
  });
}

describe("dialogs", () => {
  it("builds the UAC dialog from a 2xx and sends BYE with the next CSeq to the Contact", () => {
    const request = invite();
    let response = createResponse(request, 200, { toTag: "cam", headers: [["Contact", "<sip:34020000001320000001@192.168.1.64:5060>"]] });
    response = withHeader(response, "Record-Route", "<sip:p1.example.com;lr>, <sip:p2.example.com;lr>");
    const dialog = createDialogAsUac(request, response);
    if (!dialog) throw new Error("no dialog");
    expect(dialogId(dialog)).toBe("call-9|plat|cam");
    expect(dialog.remoteTarget).toBe("sip:34020000001320000001@192.168.1.64:5060");
    expect(dialog.routeSet).toEqual(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);

    const { request: bye, dialog: next } = createInDialogRequest(dialog, "BYE", { via });
    expect(bye.uri).toBe("sip:34020000001320000001@192.168.1.64:5060");
    expect(getHeader(bye, "CSeq")).toBe("21 BYE");
    expect(getHeader(bye, "From")).toBe("<sip:34020000002000000001@3402000000>;tag=plat");
    expect(getHeader(bye, "To")).toBe("<sip:34020000001320000001@3402000000>;tag=cam");
    expect(getHeaderValues(bye, "Route")).toEqual(["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
    expect(next.localSeq).toBe(21);

    const info = createInDialogRequest(next, "INFO", {
      via,
      body: Buffer.from("PAUSE RTSP/1.0\r\nCSeq: 1\r\nPauseTime: now\r\n"),
      contentType: "Application/MANSRTSP",
    });
    expect(getHeader(info.request, "CSeq")).toBe("22 INFO");
    expect(getHeader(info.request, "Content-Type")).toBe("Application/MANSRTSP");
  });

  it("refuses a UAC dialog without a To tag or Contact", () => {
    const request = invite();
    const noContact = createResponse(request, 200, { toTag: "cam" });
    expect(createDialogAsUac(request, noContact)).toBeUndefined();
  });

  it("builds the UAS dialog with swapped identities and a fresh local CSeq", () => {
    const dialog = createDialogAsUas(invite(), "cam");
    if (!dialog) throw new Error("no dialog");
    expect(dialogId(dialog)).toBe("call-9|cam|plat");
    expect(dialog.remoteTarget).toBe("sip:34020000002000000001@192.168.1.10:5060");
    const { request: bye } = createInDialogRequest(dialog, "BYE", { via });
    expect(getHeader(bye, "From")).toBe("<sip:34020000001320000001@3402000000>;tag=cam");
    expect(getHeader(bye, "To")).toBe("<sip:34020000002000000001@3402000000>;tag=plat");
    expect(getHeader(bye, "CSeq")).toBe("1 BYE");
  });
});
