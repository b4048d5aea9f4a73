/** A route's answer that is a file, not the JSON envelope (spec 02 §12–§14: `application/download`, xlsx). */
export class FileDownload {
  constructor(
    readonly fileName: string,
    readonly body: Buffer,
    /** The seed prints `application/download` for every xlsx answer. */
    readonly contentType = "application/download",
  ) {}

  /** RFC 6266 with the RFC 5987 UTF-8 form, so Chinese names survive, and an ASCII fallback. */
  contentDisposition(): string {
    const ascii = this.fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
    return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(this.fileName)}`;
  }
}
