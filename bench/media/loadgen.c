/*
 * The media benches' load generator in C (bench/media/run.mjs, churn.mjs, ../recording/live.mjs
 * through c-loadgen.mjs): simulated cameras sending the looped clip as PS over RTP/UDP, and one
 * HTTP-FLV viewer per stream, in one single-threaded process. It does what the Node worker threads
 * senders.mjs and viewers.mjs do, at a small part of their CPU, so the benches can load the relay
 * further than the Node generator could on the same cores. Plain C11 + Linux (epoll, timerfd,
 * sendmmsg), libc only.
 *
 *   loadgen PACKET_FILE [VIEWER_HOST VIEWER_PORT VIEWER_PREFIX]
 *
 * PACKET_FILE, written by c-loadgen.mjs (the Node side muxes and packetizes the clip; integers are
 * little-endian u32):
 *   "IVCLGPK1", pictures, RTP payload type, first timestamp (tick 0), 90 kHz ticks per picture
 *   then per picture, in clip order:
 *     PS length, packet count, field count,
 *     packet count × payload length (consecutive pieces of the PS; the last one carries the marker),
 *     field count × (offset in the PS, kind: 1 pack header SCR (6 bytes), 2 PES PTS, 3 PES DTS (5 bytes)),
 *     the picture's PS as muxed at tick 0.
 * As in senders.mjs every camera shares the 90 kHz clock: at picture tick k the RTP timestamp and
 * every field carry first + k·ticks, so a picture's fields are rewritten in place once per tick it
 * is sent at; only sequence number and SSRC differ per camera (written in its RTP headers).
 *
 * Commands, one per line on stdin; each gets one reply line on stdout ("ok", "error <why>" or JSON):
 *   add-camera KEY PORT SSRC PHASE START_AT_KEYFRAME(0|1)   a camera sending to 127.0.0.1:PORT
 *   remove-camera KEY
 *   add-viewer STREAM_ID      GET VIEWER_PREFIX STREAM_ID.live.flv from VIEWER_HOST:VIEWER_PORT
 *   remove-viewer STREAM_ID
 *   stats    {"cameras","sentPackets","sentBytes","sendErrors","lateSlots","bytes":{id:n},"failures":[..],"cpuMicros"}
 *   stop     ends everything and exits (so does the end of stdin)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* As senders.mjs: 25 fps, each frame interval cut into 8 sub-slots the cameras are spread over. */
#define SLOTS 8
#define FRAME_NS 40000000LL
#define SLOT_NS (FRAME_NS / SLOTS)
#define RTP_HEADER 12
/* Datagrams per sendmmsg call; a keyframe takes a few such calls. */
#define BATCH 64
#define SEND_BUFFER_BYTES (1 << 20)

enum field_kind { FIELD_SCR = 1, FIELD_PTS = 2, FIELD_DTS = 3 };
struct field {
  uint32_t offset;
  uint32_t kind;
};
struct picture {
  uint8_t *ps;
  uint32_t length;
  uint32_t packets;
  uint32_t *payload_lengths;
  uint32_t field_count;
  struct field *fields;
  /* The tick the fields were last rewritten for. */
  int64_t patched_tick;
};

struct camera {
  char *key;
  int fd;
  uint32_t ssrc;
  uint16_t seq;
  uint32_t phase;
  int slot;
  size_t slot_index;
};

enum viewer_state { VIEWER_CONNECTING, VIEWER_HEADERS, VIEWER_BODY, VIEWER_DONE };
enum body_framing { BODY_UNTIL_CLOSE, BODY_LENGTH, BODY_CHUNKED };
enum chunk_state { CHUNK_SIZE, CHUNK_EXTENSION, CHUNK_DATA, CHUNK_DATA_END, CHUNK_LAST };
#define HEAD_MAX 8192

struct viewer {
  char *id;
  int fd;
  enum viewer_state state;
  uint64_t bytes;
  char head[HEAD_MAX];
  size_t head_length;
  enum body_framing framing;
  uint64_t remaining;
  enum chunk_state chunk;
};

struct text {
  char *data;
  size_t length;
  size_t capacity;
};

static struct {
  uint32_t payload_type;
  uint32_t first_timestamp;
  uint32_t ticks_per_picture;
  uint32_t count;
  struct picture *pictures;
} clip;

static struct camera **cameras;
static size_t camera_count, camera_capacity;
static struct camera **slot_members[SLOTS];
static size_t slot_count[SLOTS], slot_capacity[SLOTS];
static int64_t started_ns;
static int64_t next_slot;
static uint64_t sent_packets, sent_bytes, send_errors;
/* Slots sent later than one frame interval after they were due: the generator is behind. */
static uint64_t late_slots;

static struct viewer **viewers;
static size_t viewer_count, viewer_capacity;
static char **failures;
static size_t failure_count, failure_capacity;
static struct sockaddr_in viewer_address;
static const char *viewer_host = "127.0.0.1";
static const char *viewer_prefix = "/live/";
static int viewer_port;

/*
 * The process sleeps on epoll_fd (commands, the slot timer). Viewer sockets are in their own set,
 * viewer_epoll_fd, read at every slot (5 ms) instead of at every segment the server sends: fewer
 * wake-ups and larger reads, and a few ms of delay do not change a byte count.
 */
static int epoll_fd, viewer_epoll_fd, timer_fd;
static uint8_t read_buffer[256 * 1024];

static void die(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("loadgen: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(1);
}

static void *grow(void *array, size_t *capacity, size_t needed, size_t item) {
  if (needed <= *capacity) return array;
  size_t next = *capacity == 0 ? 16 : *capacity * 2;
  while (next < needed) next *= 2;
  void *bigger = realloc(array, next * item);
  if (bigger == NULL) die("out of memory");
  *capacity = next;
  return bigger;
}

static char *copy_string(const char *s) {
  char *copy = strdup(s);
  if (copy == NULL) die("out of memory");
  return copy;
}

static int64_t monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

/* ---- packet file ---- */

static uint32_t read_u32(FILE *file) {
  uint8_t b[4];
  if (fread(b, 1, 4, file) != 4) die("packet file truncated");
  return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void load_packet_file(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) die("%s: %s", path, strerror(errno));
  char magic[8];
  if (fread(magic, 1, 8, file) != 8 || memcmp(magic, "IVCLGPK1", 8) != 0) die("%s is no packet file", path);
  clip.count = read_u32(file);
  clip.payload_type = read_u32(file) & 0x7f;
  clip.first_timestamp = read_u32(file);
  clip.ticks_per_picture = read_u32(file);
  if (clip.count == 0) die("packet file without pictures");
  clip.pictures = calloc(clip.count, sizeof *clip.pictures);
  if (clip.pictures == NULL) die("out of memory");
  for (uint32_t i = 0; i < clip.count; i++) {
    struct picture *p = &clip.pictures[i];
    p->length = read_u32(file);
    p->packets = read_u32(file);
    p->field_count = read_u32(file);
    p->payload_lengths = malloc(p->packets * sizeof *p->payload_lengths);
    p->fields = malloc((p->field_count + 1) * sizeof *p->fields);
    p->ps = malloc(p->length);
    if (p->payload_lengths == NULL || p->fields == NULL || p->ps == NULL) die("out of memory");
    uint64_t total = 0;
    for (uint32_t k = 0; k < p->packets; k++) total += p->payload_lengths[k] = read_u32(file);
    if (total != p->length || p->packets == 0) die("picture %u: payloads do not make up its PS", i);
    for (uint32_t k = 0; k < p->field_count; k++) {
      p->fields[k].offset = read_u32(file);
      p->fields[k].kind = read_u32(file);
      uint32_t size = p->fields[k].kind == FIELD_SCR ? 6 : 5;
      if (p->fields[k].kind < FIELD_SCR || p->fields[k].kind > FIELD_DTS || p->fields[k].offset + size > p->length) die("picture %u: bad field", i);
    }
    if (fread(p->ps, 1, p->length, file) != p->length) die("packet file truncated");
    p->patched_tick = 0;
  }
  fclose(file);
}

/* ---- timestamps (ISO 13818-1: pack header SCR §2.5.3.3, PES PTS/DTS §2.4.3.7), as packages/media writes them ---- */

static void write_scr(uint8_t *p, uint64_t scr) {
  uint32_t top3 = (scr >> 30) & 0x07;
  uint32_t low30 = scr & 0x3fffffff;
  p[0] = 0x44 | top3 << 3 | ((low30 >> 28) & 0x03);
  p[1] = (low30 >> 20) & 0xff;
  p[2] = ((low30 >> 15) & 0x1f) << 3 | 0x04 | ((low30 >> 13) & 0x03);
  p[3] = (low30 >> 5) & 0xff;
  /* The low two bits are the SCR extension's top bits: kept. */
  p[4] = (low30 & 0x1f) << 3 | 0x04 | (p[4] & 0x03);
}

/* Keeps the 4-bit '0010'/'0011'/'0001' prefix. */
static void write_pes_timestamp(uint8_t *p, uint64_t ticks) {
  p[0] = (p[0] & 0xf0) | ((ticks >> 30) & 0x07) << 1 | 1;
  p[1] = (ticks >> 22) & 0xff;
  p[2] = ((ticks >> 15) & 0x7f) << 1 | 1;
  p[3] = (ticks >> 7) & 0xff;
  p[4] = (ticks & 0x7f) << 1 | 1;
}

static uint64_t timestamp_of(int64_t tick) {
  return (uint64_t)clip.first_timestamp + (uint64_t)tick * clip.ticks_per_picture;
}

static struct picture *picture_at(int64_t tick, uint32_t index) {
  struct picture *p = &clip.pictures[index];
  if (p->patched_tick != tick) {
    uint64_t ts = timestamp_of(tick);
    for (uint32_t k = 0; k < p->field_count; k++) {
      uint8_t *at = p->ps + p->fields[k].offset;
      if (p->fields[k].kind == FIELD_SCR) write_scr(at, ts);
      else write_pes_timestamp(at, ts);
    }
    p->patched_tick = tick;
  }
  return p;
}

/* ---- cameras ---- */

static void send_picture(struct camera *camera, const struct picture *p, uint32_t rtp_timestamp) {
  struct mmsghdr messages[BATCH];
  struct iovec pieces[BATCH][2];
  uint8_t headers[BATCH][RTP_HEADER];
  uint32_t offset = 0;
  for (uint32_t first = 0; first < p->packets; first += BATCH) {
    uint32_t n = p->packets - first < BATCH ? p->packets - first : BATCH;
    memset(messages, 0, n * sizeof *messages);
    for (uint32_t k = 0; k < n; k++) {
      uint8_t *h = headers[k];
      int last = first + k == p->packets - 1;
      h[0] = 0x80;
      h[1] = (uint8_t)((last ? 0x80 : 0) | clip.payload_type);
      h[2] = camera->seq >> 8;
      h[3] = camera->seq & 0xff;
      h[4] = rtp_timestamp >> 24;
      h[5] = (rtp_timestamp >> 16) & 0xff;
      h[6] = (rtp_timestamp >> 8) & 0xff;
      h[7] = rtp_timestamp & 0xff;
      h[8] = camera->ssrc >> 24;
      h[9] = (camera->ssrc >> 16) & 0xff;
      h[10] = (camera->ssrc >> 8) & 0xff;
      h[11] = camera->ssrc & 0xff;
      camera->seq++;
      uint32_t length = p->payload_lengths[first + k];
      pieces[k][0] = (struct iovec){h, RTP_HEADER};
      pieces[k][1] = (struct iovec){p->ps + offset, length};
      offset += length;
      messages[k].msg_hdr.msg_iov = pieces[k];
      messages[k].msg_hdr.msg_iovlen = 2;
    }
    for (uint32_t done = 0; done < n;) {
      int sent = sendmmsg(camera->fd, messages + done, n - done, 0);
      if (sent < 0) {
        if (errno == EINTR) continue;
        /* E.g. ECONNREFUSED after the port closed: that datagram is not sent; go on with the next. */
        send_errors++;
        done++;
        continue;
      }
      for (int k = 0; k < sent; k++) sent_bytes += messages[done + k].msg_len;
      sent_packets += (uint64_t)sent;
      done += (uint32_t)sent;
    }
  }
}

static void send_slot(int64_t tick, int slot) {
  uint32_t rtp_timestamp = (uint32_t)timestamp_of(tick);
  for (size_t i = 0; i < slot_count[slot]; i++) {
    struct camera *camera = slot_members[slot][i];
    send_picture(camera, picture_at(tick, (uint32_t)((tick + camera->phase) % clip.count)), rtp_timestamp);
  }
}

static void arm_timer(void) {
  int64_t due = started_ns + next_slot * SLOT_NS;
  struct itimerspec at = {.it_value = {.tv_sec = due / 1000000000LL, .tv_nsec = due % 1000000000LL}};
  if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &at, NULL) != 0) die("timerfd_settime: %s", strerror(errno));
}

/* Sends every sub-slot that is due by the clock (a late wake-up catches up, it does not drift). */
static void pump(void) {
  int64_t now = monotonic_ns() - started_ns;
  while (next_slot * SLOT_NS <= now) {
    if (now - next_slot * SLOT_NS > FRAME_NS) late_slots++;
    send_slot(next_slot / SLOTS, (int)(next_slot % SLOTS));
    next_slot++;
  }
  arm_timer();
}

static struct camera *find_camera(const char *key, size_t *index) {
  for (size_t i = 0; i < camera_count; i++) {
    if (strcmp(cameras[i]->key, key) == 0) {
      if (index != NULL) *index = i;
      return cameras[i];
    }
  }
  return NULL;
}

static void remove_camera(const char *key) {
  size_t index;
  struct camera *camera = find_camera(key, &index);
  if (camera == NULL) return;
  cameras[index] = cameras[--camera_count];
  struct camera **members = slot_members[camera->slot];
  size_t last = --slot_count[camera->slot];
  members[camera->slot_index] = members[last];
  members[camera->slot_index]->slot_index = camera->slot_index;
  close(camera->fd);
  free(camera->key);
  free(camera);
}

static const char *add_camera(const char *key, int port, uint32_t ssrc, uint32_t phase, int start_at_keyframe) {
  if (port <= 0 || port > 65535) return "bad port";
  remove_camera(key);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return strerror(errno);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  struct sockaddr_in remote = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int buffer = SEND_BUFFER_BYTES;
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0 || connect(fd, (struct sockaddr *)&remote, sizeof remote) != 0 ||
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer) != 0) {
    const char *why = strerror(errno);
    close(fd);
    return why;
  }
  struct camera *camera = malloc(sizeof *camera);
  if (camera == NULL) die("out of memory");
  camera->key = copy_string(key);
  camera->fd = fd;
  camera->ssrc = ssrc;
  camera->seq = (uint16_t)(random() & 0xffff);
  camera->slot = (int)(camera_count % SLOTS);
  /* A camera answering an INVITE starts with a keyframe: the first tick it sends in shows picture 0. */
  int64_t first_tick = next_slot / SLOTS + (camera->slot >= next_slot % SLOTS ? 0 : 1);
  camera->phase = start_at_keyframe ? (uint32_t)((clip.count - first_tick % clip.count) % clip.count) : phase % clip.count;
  cameras = grow(cameras, &camera_capacity, camera_count + 1, sizeof *cameras);
  cameras[camera_count++] = camera;
  int slot = camera->slot;
  slot_members[slot] = grow(slot_members[slot], &slot_capacity[slot], slot_count[slot] + 1, sizeof *slot_members[slot]);
  camera->slot_index = slot_count[slot];
  slot_members[slot][slot_count[slot]++] = camera;
  return NULL;
}

/* ---- viewers ---- */

static void record_failure(struct viewer *viewer, const char *why) {
  size_t length = strlen(viewer->id) + strlen(why) + 3;
  char *line = malloc(length);
  if (line == NULL) die("out of memory");
  snprintf(line, length, "%s: %s", viewer->id, why);
  failures = grow(failures, &failure_capacity, failure_count + 1, sizeof *failures);
  failures[failure_count++] = line;
}

static void close_viewer(struct viewer *viewer) {
  if (viewer->fd >= 0) close(viewer->fd);
  viewer->fd = -1;
  viewer->state = VIEWER_DONE;
}

static void fail_viewer(struct viewer *viewer, const char *why) {
  record_failure(viewer, why);
  close_viewer(viewer);
}

static struct viewer *find_viewer(const char *id, size_t *index) {
  for (size_t i = 0; i < viewer_count; i++) {
    if (strcmp(viewers[i]->id, id) == 0) {
      if (index != NULL) *index = i;
      return viewers[i];
    }
  }
  return NULL;
}

static void remove_viewer(const char *id) {
  size_t index;
  struct viewer *viewer = find_viewer(id, &index);
  if (viewer == NULL) return;
  viewers[index] = viewers[--viewer_count];
  close_viewer(viewer);
  free(viewer->id);
  free(viewer);
}

static void add_viewer(const char *id) {
  remove_viewer(id);
  struct viewer *viewer = calloc(1, sizeof *viewer);
  if (viewer == NULL) die("out of memory");
  viewer->id = copy_string(id);
  viewer->fd = -1;
  viewers = grow(viewers, &viewer_capacity, viewer_count + 1, sizeof *viewers);
  viewers[viewer_count++] = viewer;
  if (viewer_port == 0) {
    fail_viewer(viewer, "no viewer address given");
    return;
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail_viewer(viewer, strerror(errno));
    return;
  }
  viewer->fd = fd;
  viewer->state = VIEWER_CONNECTING;
  if (connect(fd, (struct sockaddr *)&viewer_address, sizeof viewer_address) != 0 && errno != EINPROGRESS) {
    fail_viewer(viewer, strerror(errno));
    return;
  }
  struct epoll_event event = {.events = EPOLLOUT, .data.ptr = viewer};
  if (epoll_ctl(viewer_epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) fail_viewer(viewer, strerror(errno));
}

static void send_request(struct viewer *viewer) {
  int error = 0;
  socklen_t length = sizeof error;
  if (getsockopt(viewer->fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) {
    fail_viewer(viewer, strerror(error));
    return;
  }
  char request[1024];
  int n = snprintf(request, sizeof request, "GET %s%s.live.flv HTTP/1.1\r\nHost: %s:%d\r\nConnection: keep-alive\r\n\r\n", viewer_prefix, viewer->id, viewer_host, viewer_port);
  if (n < 0 || (size_t)n >= sizeof request) {
    fail_viewer(viewer, "request too long");
    return;
  }
  /* A fresh connection's send buffer takes a request this small at once. */
  if (send(viewer->fd, request, (size_t)n, MSG_NOSIGNAL) != n) {
    fail_viewer(viewer, "request not sent");
    return;
  }
  viewer->state = VIEWER_HEADERS;
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = viewer};
  if (epoll_ctl(viewer_epoll_fd, EPOLL_CTL_MOD, viewer->fd, &event) != 0) fail_viewer(viewer, strerror(errno));
}

/* The value of header `name` (lower case, with the colon) in the response head, or NULL. */
static const char *header_value(const char *head, const char *name) {
  size_t length = strlen(name);
  for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
    line += 2;
    if (strncasecmp(line, name, length) == 0) {
      const char *value = line + length;
      while (*value == ' ' || *value == '\t') value++;
      return value;
    }
  }
  return NULL;
}

/* Counts the body bytes in data[0..n): chunk framing is not body. Returns 1 once the body is complete. */
static int take_body(struct viewer *viewer, const uint8_t *data, size_t n) {
  if (viewer->framing == BODY_UNTIL_CLOSE) {
    viewer->bytes += n;
    return 0;
  }
  if (viewer->framing == BODY_LENGTH) {
    size_t take = n < viewer->remaining ? n : (size_t)viewer->remaining;
    viewer->bytes += take;
    viewer->remaining -= take;
    return viewer->remaining == 0;
  }
  for (size_t i = 0; i < n;) {
    uint8_t c = data[i];
    switch (viewer->chunk) {
      case CHUNK_SIZE:
      case CHUNK_EXTENSION:
        i++;
        if (c == '\n') viewer->chunk = viewer->remaining > 0 ? CHUNK_DATA : CHUNK_LAST;
        else if (viewer->chunk == CHUNK_EXTENSION || c == '\r') break;
        else if (c >= '0' && c <= '9') viewer->remaining = viewer->remaining * 16 + (c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') viewer->remaining = viewer->remaining * 16 + ((c | 0x20) - 'a' + 10);
        else viewer->chunk = CHUNK_EXTENSION;
        break;
      case CHUNK_DATA: {
        size_t take = n - i < viewer->remaining ? n - i : (size_t)viewer->remaining;
        viewer->bytes += take;
        viewer->remaining -= take;
        i += take;
        if (viewer->remaining == 0) viewer->chunk = CHUNK_DATA_END;
        break;
      }
      case CHUNK_DATA_END:
        i++;
        if (c == '\n') viewer->chunk = CHUNK_SIZE;
        break;
      case CHUNK_LAST:
        return 1;
    }
  }
  return viewer->chunk == CHUNK_LAST;
}

/* The response head ends at head_end of viewer->head: checks the status and picks the body framing. */
static int start_body(struct viewer *viewer, size_t head_end) {
  int status = 0;
  viewer->head[head_end - 2] = '\0';
  if (sscanf(viewer->head, "HTTP/1.%*1[01] %d", &status) != 1) {
    fail_viewer(viewer, "no HTTP status line");
    return 0;
  }
  if (status != 200) {
    char why[32];
    snprintf(why, sizeof why, "HTTP %d", status);
    fail_viewer(viewer, why);
    return 0;
  }
  const char *encoding = header_value(viewer->head, "transfer-encoding:");
  const char *length = header_value(viewer->head, "content-length:");
  if (encoding != NULL && strncasecmp(encoding, "chunked", 7) == 0) viewer->framing = BODY_CHUNKED;
  else if (length != NULL) {
    viewer->framing = BODY_LENGTH;
    viewer->remaining = strtoull(length, NULL, 10);
  } else viewer->framing = BODY_UNTIL_CLOSE;
  viewer->state = VIEWER_BODY;
  return 1;
}

/* Takes received bytes: the response head first (the body may follow it in the same read), then the body. */
static void take_received(struct viewer *viewer, const uint8_t *data, size_t n) {
  if (viewer->state == VIEWER_HEADERS) {
    size_t searched_from = viewer->head_length < 3 ? 0 : viewer->head_length - 3;
    size_t copied = n < HEAD_MAX - 1 - viewer->head_length ? n : HEAD_MAX - 1 - viewer->head_length;
    memcpy(viewer->head + viewer->head_length, data, copied);
    viewer->head_length += copied;
    char *end = memmem(viewer->head + searched_from, viewer->head_length - searched_from, "\r\n\r\n", 4);
    if (end == NULL) {
      if (viewer->head_length == HEAD_MAX - 1) fail_viewer(viewer, "response head too long");
      return;
    }
    size_t head_end = (size_t)(end - viewer->head) + 4;
    /* The part of this read past the head: the start of the body. */
    size_t body_start = copied - (viewer->head_length - head_end);
    if (!start_body(viewer, head_end)) return;
    data += body_start;
    n -= body_start;
  }
  if (take_body(viewer, data, n)) fail_viewer(viewer, "stream ended");
}

static void read_viewer(struct viewer *viewer) {
  for (int reads = 0; reads < 4 && viewer->state != VIEWER_DONE; reads++) {
    ssize_t n = recv(viewer->fd, read_buffer, sizeof read_buffer, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      fail_viewer(viewer, "connection broken");
      return;
    }
    if (n == 0) {
      fail_viewer(viewer, viewer->state == VIEWER_BODY && viewer->framing == BODY_UNTIL_CLOSE ? "stream ended" : "connection broken");
      return;
    }
    take_received(viewer, read_buffer, (size_t)n);
  }
}

/* Serves every viewer socket that is ready, without waiting. */
static void poll_viewers(void) {
  struct epoll_event events[256];
  int n;
  do {
    n = epoll_wait(viewer_epoll_fd, events, 256, 0);
    for (int i = 0; i < n; i++) {
      struct viewer *viewer = events[i].data.ptr;
      if (viewer->state == VIEWER_CONNECTING) send_request(viewer);
      else if (viewer->state != VIEWER_DONE) read_viewer(viewer);
    }
  } while (n == 256);
}

/* ---- control ---- */

static void text_append(struct text *t, const char *format, ...) {
  for (;;) {
    va_list args;
    va_start(args, format);
    size_t room = t->capacity - t->length;
    int n = vsnprintf(t->data == NULL ? NULL : t->data + t->length, room, format, args);
    va_end(args);
    if (n < 0) die("vsnprintf failed");
    if ((size_t)n < room) {
      t->length += (size_t)n;
      return;
    }
    t->data = grow(t->data, &t->capacity, t->length + (size_t)n + 1, 1);
  }
}

static void text_append_json_string(struct text *t, const char *s) {
  text_append(t, "\"");
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') text_append(t, "\\%c", c);
    else if (c < 0x20) text_append(t, "\\u%04x", c);
    else text_append(t, "%c", c);
  }
  text_append(t, "\"");
}

static void write_all(int fd, const char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        struct pollfd writable = {.fd = fd, .events = POLLOUT};
        poll(&writable, 1, -1);
        continue;
      }
      exit(1);
    }
    data += n;
    length -= (size_t)n;
  }
}

static void reply(const char *line) {
  struct text t = {0};
  text_append(&t, "%s\n", line);
  write_all(STDOUT_FILENO, t.data, t.length);
  free(t.data);
}

static void reply_stats(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  uint64_t cpu_micros = (uint64_t)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 + (uint64_t)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  struct text t = {0};
  text_append(&t, "{\"cameras\":%zu,\"sentPackets\":%" PRIu64 ",\"sentBytes\":%" PRIu64 ",\"sendErrors\":%" PRIu64 ",\"lateSlots\":%" PRIu64 ",\"cpuMicros\":%" PRIu64 ",\"bytes\":{",
              camera_count, sent_packets, sent_bytes, send_errors, late_slots, cpu_micros);
  for (size_t i = 0; i < viewer_count; i++) {
    if (i > 0) text_append(&t, ",");
    text_append_json_string(&t, viewers[i]->id);
    text_append(&t, ":%" PRIu64, viewers[i]->bytes);
  }
  text_append(&t, "},\"failures\":[");
  for (size_t i = 0; i < failure_count; i++) {
    if (i > 0) text_append(&t, ",");
    text_append_json_string(&t, failures[i]);
  }
  text_append(&t, "]}\n");
  write_all(STDOUT_FILENO, t.data, t.length);
  free(t.data);
}

static void stop(void) {
  while (viewer_count > 0) remove_viewer(viewers[viewer_count - 1]->id);
  while (camera_count > 0) remove_camera(cameras[camera_count - 1]->key);
  exit(0);
}

static void run_command(char *line) {
  char *words[8];
  int count = 0;
  for (char *word = strtok(line, " \t\r"); word != NULL && count < 8; word = strtok(NULL, " \t\r")) words[count++] = word;
  if (count == 0) {
    reply("error empty command");
    return;
  }
  const char *cmd = words[0];
  if (strcmp(cmd, "add-camera") == 0 && count == 6) {
    const char *why = add_camera(words[1], atoi(words[2]), (uint32_t)strtoul(words[3], NULL, 10), (uint32_t)strtoul(words[4], NULL, 10), strcmp(words[5], "1") == 0);
    if (why == NULL) {
      reply("ok");
      return;
    }
    char message[256];
    snprintf(message, sizeof message, "error %s", why);
    reply(message);
    return;
  }
  if (strcmp(cmd, "remove-camera") == 0 && count == 2) {
    remove_camera(words[1]);
    reply("ok");
    return;
  }
  if (strcmp(cmd, "add-viewer") == 0 && count == 2) {
    add_viewer(words[1]);
    reply("ok");
    return;
  }
  if (strcmp(cmd, "remove-viewer") == 0 && count == 2) {
    remove_viewer(words[1]);
    reply("ok");
    return;
  }
  if (strcmp(cmd, "stats") == 0 && count == 1) {
    reply_stats();
    return;
  }
  if (strcmp(cmd, "stop") == 0 && count == 1) {
    reply("ok");
    stop();
  }
  reply("error unknown command or wrong arguments");
}

static void read_commands(void) {
  static char pending[64 * 1024];
  static size_t pending_length;
  ssize_t n = read(STDIN_FILENO, pending + pending_length, sizeof pending - 1 - pending_length);
  if (n < 0 && errno == EINTR) return;
  if (n <= 0) stop();
  pending_length += (size_t)n;
  char *start = pending;
  for (char *end; (end = memchr(start, '\n', pending_length - (size_t)(start - pending))) != NULL; start = end + 1) {
    *end = '\0';
    run_command(start);
  }
  pending_length -= (size_t)(start - pending);
  memmove(pending, start, pending_length);
  if (pending_length == sizeof pending - 1) die("command line too long");
}

int main(int argc, char **argv) {
  if (argc != 2 && argc != 5) die("usage: loadgen PACKET_FILE [VIEWER_HOST VIEWER_PORT VIEWER_PREFIX]");
  load_packet_file(argv[1]);
  if (argc == 5) {
    viewer_host = argv[2];
    viewer_port = atoi(argv[3]);
    viewer_prefix = argv[4];
    viewer_address = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)viewer_port)};
    if (viewer_port <= 0 || viewer_port > 65535 || inet_pton(AF_INET, viewer_host, &viewer_address.sin_addr) != 1) die("viewer address must be an IPv4 address and a port");
  }
  signal(SIGPIPE, SIG_IGN);
  /* One descriptor per camera and per viewer: up to the hard limit. */
  struct rlimit files;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  srandom((unsigned)(monotonic_ns() ^ getpid()));
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  viewer_epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (epoll_fd < 0 || viewer_epoll_fd < 0 || timer_fd < 0) die("epoll/timerfd: %s", strerror(errno));
  struct epoll_event on_stdin = {.events = EPOLLIN, .data.fd = STDIN_FILENO};
  struct epoll_event on_timer = {.events = EPOLLIN, .data.fd = timer_fd};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, STDIN_FILENO, &on_stdin) != 0 || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &on_timer) != 0) die("epoll_ctl: %s", strerror(errno));
  started_ns = monotonic_ns();
  pump();
  reply("ready");
  for (;;) {
    struct epoll_event events[2];
    int n = epoll_wait(epoll_fd, events, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait: %s", strerror(errno));
    }
    for (int i = 0; i < n; i++) {
      if (events[i].data.fd == timer_fd) {
        uint64_t expirations;
        if (read(timer_fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN) die("timerfd read: %s", strerror(errno));
        pump();
        poll_viewers();
      } else {
        read_commands();
      }
    }
  }
}
