import type { Socket } from "node:net";
import {
  acknowledgementMessage,
  ChunkReader,
  ChunkWriter,
  connectResult,
  dataMessage,
  decodeAmf0Values,
  errorMessage,
  onStatusMessage,
  parseCommand,
  parseControlMessage,
  PeerBandwidthLimit,
  resultMessage,
  RtmpMessageType,
  RtmpServerHandshake,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  UserControlEvent,
  userControlMessage,
  windowAckSizeMessage,
  type RtmpCommand,
  type RtmpMessage,
} from "@ivc/media";
import type { FlvViewer } from "../flv-fanout.js";
import type { PushedStream } from "./pushed-stream.js";
import { rtmpFlvViewer } from "./rtmp-player.js";
import { parseStreamName, type StreamName } from "./stream-name.js";

export type PublishOutcome = { ok: true; stream: PushedStream } | { ok: false; reason: string };
export type PlayOutcome = { ok: true; attach(viewer: FlvViewer): boolean } | { ok: false; reason: string; code: "NetStream.Play.StreamNotFound" | "NetStream.Play.Failed" };

export interface RtmpConnectionHandlers {
  publish(connection: RtmpConnection, name: StreamName): Promise<PublishOutcome>;
  play(connection: RtmpConnection, name: StreamName): Promise<PlayOutcome>;
  closed(connection: RtmpConnection, reason: string): void;
}

export interface RtmpConnectionOptions {
  /** Outgoing chunk size (ffmpeg and OBS use 4096; larger means fewer headers). */
  chunkSize: number;
  /** Window Acknowledgement Size and Peer Bandwidth we announce. */
  windowSize: number;
  /** No bytes for this long before publish/play starts, or from a publisher, closes the connection. */
  idleMs: number;
}

/**
 * One RTMP connection (Adobe RTMP spec 1.0 §7): handshake, chunk streams, the NetConnection
 * commands (connect, createStream, releaseStream, FCPublish, deleteStream) and the NetStream
 * commands (publish, play). Whether a publish or play is allowed is the handlers' decision.
 */
export class RtmpConnection {
  private readonly handshake = new RtmpServerHandshake();
  private handshaken = false;
  private readonly reader = new ChunkReader();
  private readonly writer = new ChunkWriter();
  private app = "";
  private nextStreamId = 1;
  private bytesIn = 0;
  private ackedAt = 0;
  private peerWindow = 0;
  private closedReason: string | undefined;
  private readonly closeListeners: Array<() => void> = [];
  /** Set while this connection publishes. */
  publishing: PushedStream | undefined;
  role: "pending" | "publisher" | "player" = "pending";
  readonly remoteAddress: string;

  constructor(
    private readonly socket: Socket,
    private readonly handlers: RtmpConnectionHandlers,
    private readonly options: RtmpConnectionOptions,
  ) {
    this.remoteAddress = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.setTimeout(options.idleMs);
    socket.on("timeout", () => {
      if (this.role !== "player") this.close(`no data for ${options.idleMs} ms`, true);
    });
    socket.on("data", (data: Buffer) => this.onData(data));
    socket.on("error", (err) => this.close(`socket error: ${err.message}`, true));
    socket.on("close", () => this.close("peer closed", true));
  }

  get bufferedBytes(): number {
    return this.socket.writableLength;
  }

  send(message: RtmpMessage): void {
    if (this.closedReason === undefined) this.socket.write(this.writer.write(message));
  }

  onClose(listener: () => void): void {
    if (this.closedReason !== undefined) listener();
    else this.closeListeners.push(listener);
  }

  close(reason: string, abort: boolean): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    if (abort) this.socket.destroy();
    else {
      this.socket.end();
      // A peer that never reads must not hold the socket.
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
    for (const listener of this.closeListeners.splice(0)) listener();
    this.handlers.closed(this, reason);
  }

  private onData(data: Buffer): void {
    if (this.closedReason !== undefined) return;
    let chunks = data;
    if (!this.handshaken) {
      const step = this.handshake.push(data);
      if (!step.ok) return this.close(`handshake: ${step.reason}`, true);
      if (step.reply !== undefined) this.socket.write(step.reply);
      if (!step.done) return;
      this.handshaken = true;
      chunks = step.rest;
      if (chunks.length === 0) return;
    }
    this.bytesIn += chunks.length;
    const read = this.reader.push(chunks);
    for (const message of read.messages) this.onMessage(message);
    if (!read.ok) return this.close(`chunk stream: ${read.reason}`, true);
    // §5.4.3: acknowledge once a window's worth of bytes arrived since the last acknowledgement.
    if (this.peerWindow > 0 && this.bytesIn - this.ackedAt >= this.peerWindow) {
      this.ackedAt = this.bytesIn;
      this.send(acknowledgementMessage(this.bytesIn % 2 ** 32));
    }
  }

  private onMessage(message: RtmpMessage): void {
    if (this.closedReason !== undefined) return;
    switch (message.type) {
      case RtmpMessageType.Audio:
      case RtmpMessageType.Video:
        this.publishing?.push({ type: message.type, timestampMs: message.timestamp, body: message.payload });
        return;
      case RtmpMessageType.DataAmf0: {
        const values = decodeAmf0Values(message.payload);
        if (values?.[0] === "@setDataFrame" || values?.[0] === "onMetaData") this.publishing?.metadata(values);
        return;
      }
      case RtmpMessageType.CommandAmf0:
      case RtmpMessageType.CommandAmf3: {
        const command = parseCommand(message);
        if (command !== undefined) this.onCommand(command, message.streamId);
        return;
      }
      default: {
        const control = parseControlMessage(message);
        if (control?.kind === "window-ack-size") this.peerWindow = control.size;
        else if (control?.kind === "user-control" && control.event === UserControlEvent.PingRequest) {
          this.send(userControlMessage(UserControlEvent.PingResponse, control.value));
        }
      }
    }
  }

  private onCommand(command: RtmpCommand, messageStreamId: number): void {
    switch (command.name) {
      case "connect": {
        const app = command.commandObject?.app;
        if (typeof app !== "string") {
          this.send(errorMessage(command.transactionId, "NetConnection.Connect.Rejected", "connect without app"));
          return this.close("connect without app", false);
        }
        this.app = app;
        this.send(windowAckSizeMessage(this.options.windowSize));
        this.send(setPeerBandwidthMessage(this.options.windowSize, PeerBandwidthLimit.Dynamic));
        this.send(setChunkSizeMessage(this.options.chunkSize));
        this.writer.setChunkSize(this.options.chunkSize);
        const encoding = command.commandObject?.objectEncoding;
        this.send(connectResult(command.transactionId, typeof encoding === "number" ? encoding : 0));
        return;
      }
      case "createStream":
        this.send(resultMessage(command.transactionId, this.nextStreamId++));
        return;
      case "releaseStream":
      case "FCPublish":
      case "FCUnpublish":
      case "getStreamLength":
        if (command.transactionId !== 0) this.send(resultMessage(command.transactionId));
        if (command.name === "FCUnpublish") this.close("unpublished", false);
        return;
      case "publish":
      case "play":
        void this.startStream(command, messageStreamId);
        return;
      case "deleteStream":
      case "closeStream":
        if (this.role !== "pending") this.close(`${command.name}`, false);
        return;
      default:
        if (command.transactionId !== 0) this.send(errorMessage(command.transactionId, "NetConnection.Call.Failed", `unknown command ${command.name}`));
    }
  }

  private async startStream(command: RtmpCommand, messageStreamId: number): Promise<void> {
    const publish = command.name === "publish";
    const raw = command.args[0];
    const name = typeof raw === "string" ? parseStreamName(this.app, raw) : undefined;
    if (this.role !== "pending") return this.refuse(messageStreamId, publish, "the connection already publishes or plays");
    if (name === undefined) return this.refuse(messageStreamId, publish, `bad stream name ${JSON.stringify(raw)}`);
    this.role = publish ? "publisher" : "player";
    if (publish) {
      const outcome = await this.handlers.publish(this, name);
      if (outcome.ok) this.publishing = outcome.stream;
      // Gone while the API was asked: the stream just registered must be taken down again.
      if (this.closedReason !== undefined) return outcome.ok ? this.handlers.closed(this, this.closedReason) : undefined;
      if (!outcome.ok) return this.refuse(messageStreamId, true, outcome.reason);
      this.send(onStatusMessage(messageStreamId, "status", "NetStream.Publish.Start", `${name.streamId} is now published.`));
      return;
    }
    const outcome = await this.handlers.play(this, name);
    if (this.closedReason !== undefined) return;
    if (!outcome.ok) return this.refuse(messageStreamId, false, outcome.reason, outcome.code);
    this.socket.setTimeout(0);
    this.send(userControlMessage(UserControlEvent.StreamBegin, messageStreamId));
    this.send(onStatusMessage(messageStreamId, "status", "NetStream.Play.Reset", `Playing and resetting ${name.streamId}.`));
    this.send(onStatusMessage(messageStreamId, "status", "NetStream.Play.Start", `Started playing ${name.streamId}.`));
    this.send(dataMessage(messageStreamId, ["|RtmpSampleAccess", false, false]));
    if (!outcome.attach(rtmpFlvViewer(this, messageStreamId))) this.close("stream ended", false);
  }

  private refuse(messageStreamId: number, publish: boolean, reason: string, code?: string): void {
    const status = code ?? (publish ? "NetStream.Publish.BadName" : "NetStream.Play.Failed");
    this.send(onStatusMessage(messageStreamId, "error", status, reason));
    this.close(reason, false);
  }
}
