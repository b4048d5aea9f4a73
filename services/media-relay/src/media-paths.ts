/**
 * The relay's viewer and operator paths (README "Media URLs"); group 1 is the stream id (the plays
 * key for PLAYS_PATH), group 2 of HLS_PATH the file. One definition for the routes that serve them,
 * the pull guard that checks them and the shard router that places them.
 */
export const LIVE_PATH = /^\/live\/([A-Za-z0-9_@-]{1,129})\.live\.flv$/;
export const HLS_PATH = /^\/hls\/([A-Za-z0-9_@-]{1,129})\/(index\.m3u8|seg\d{1,9}\.ts)$/;
export const PLAYS_PATH = /^\/api\/plays\/([A-Za-z0-9_-]{1,64})$/;
/** Cloud-recording playback (recording/recorded-playback.ts): group 1 the stream, group 2 the playlist or `seg-<startMs>.ts`. */
export const RECORD_PATH = /^\/record\/([A-Za-z0-9_-]{1,129})\/(hls\.m3u8|seg-(\d{1,15})\.ts)$/;
/** Cloud-recording download (recording/recorded-download.ts, spec 02 §24): group 1 the file type; the stream is in the signed query. */
export const DOWNLOAD_PATH = /^\/video\.(mp4|ts)$/;
