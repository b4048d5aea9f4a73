// Finds the first video keyframe in an HTTP-FLV body as it arrives (FLV v10.1 §E.4; Enhanced RTMP
// v1 for the ExVideoTagHeader of HEVC). Sequence headers are keyframe-typed but carry no picture,
// so they do not count.
const FLV_HEADER = 9 + 4;
const TAG_HEADER = 11;
const VIDEO = 9;

export class FlvKeyframeWatcher {
  #pending = Buffer.alloc(0);
  #offset = FLV_HEADER;
  found = false;

  /** Feeds a chunk; true once a complete video tag with a coded keyframe has arrived. */
  push(chunk) {
    if (this.found) return true;
    this.#pending = Buffer.concat([this.#pending, chunk]);
    while (this.#pending.length >= this.#offset + TAG_HEADER) {
      const type = this.#pending[this.#offset] & 0x1f;
      const size = this.#pending.readUIntBE(this.#offset + 1, 3);
      const end = this.#offset + TAG_HEADER + size + 4;
      if (this.#pending.length < end) break;
      if (type === VIDEO && size >= 2 && isCodedKeyframe(this.#pending, this.#offset + TAG_HEADER)) {
        this.found = true;
        return true;
      }
      // Drop what was read, keep the bytes of the tag in progress.
      this.#pending = this.#pending.subarray(end);
      this.#offset = 0;
    }
    return false;
  }
}

function isCodedKeyframe(buf, body) {
  const first = buf[body];
  if (first & 0x80) {
    // ExVideoTagHeader: frame type in bits 4–6, packet type in bits 0–3 (1 CodedFrames, 3 CodedFramesX).
    const packetType = first & 0x0f;
    return ((first >> 4) & 0x07) === 1 && (packetType === 1 || packetType === 3);
  }
  // Legacy AVC/HEVC: frame type 1, AVCPacketType 1 (NALU).
  return first >> 4 === 1 && buf[body + 1] === 1;
}
