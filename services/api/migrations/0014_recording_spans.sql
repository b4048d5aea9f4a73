-- Cloud timeline (issue 15): a month of 5-second segments is 518,400 rows a channel, and a one-day
-- timeline read 17,280 of them to answer a handful of spans (p99 310 ms). recording_spans keeps the
-- answer instead: per channel and storage class, the runs of segments with gaps of at most one
-- second (ADJACENT_GAP_SECONDS in recordings/timeline-segments.ts), kept by triggers on
-- recording_segments so every writer (the index, the lifecycle, a bulk load) keeps it right.
-- Spans of one class never overlap and are more than a second apart, so the span touching a time is
-- the last one starting at or before it: every lookup below is an index probe plus a short range.
--
-- recording_channel_extents keeps each channel's longest segment, which bounds a "segments
-- overlapping [S, E)" scan from below (start_at > S - longest) instead of from the first segment ever.
CREATE TABLE recording_spans (
  device_code text NOT NULL,
  channel_code text NOT NULL,
  storage_class text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  PRIMARY KEY (device_code, channel_code, storage_class, start_at)
);

CREATE TABLE recording_channel_extents (
  device_code text NOT NULL,
  channel_code text NOT NULL,
  longest_segment interval NOT NULL,
  PRIMARY KEY (device_code, channel_code)
);

-- A restored (retrieved) cold segment plays as standard until restored_until; the timeline reads
-- those few rows of a channel directly.
CREATE INDEX recording_segments_channel_restored ON recording_segments (device_code, channel_code, start_at) WHERE restored_until IS NOT NULL;

-- Adds [s, e] to the class's spans: the spans it touches (within a second) merge with it into one.
CREATE FUNCTION recording_spans_add(d text, c text, cls text, s timestamptz, e timestamptz) RETURNS void AS $$
DECLARE
  lo timestamptz;
  hi timestamptz;
BEGIN
  -- The usual case, a segment that continues (or lies inside) the run before it and reaches no
  -- later run: extend that run in place.
  UPDATE recording_spans SET end_at = greatest(end_at, e)
  WHERE device_code = d AND channel_code = c AND storage_class = cls
    AND start_at = (SELECT max(start_at) FROM recording_spans WHERE device_code = d AND channel_code = c AND storage_class = cls AND start_at <= s)
    AND end_at >= s - interval '1 second'
    AND NOT EXISTS (SELECT 1 FROM recording_spans WHERE device_code = d AND channel_code = c AND storage_class = cls
                    AND start_at > s AND start_at <= e + interval '1 second');
  IF FOUND THEN
    RETURN;
  END IF;
  WITH touching AS (
    DELETE FROM recording_spans
    WHERE device_code = d AND channel_code = c AND storage_class = cls
      AND start_at <= e + interval '1 second' AND end_at >= s - interval '1 second'
      AND start_at >= coalesce((SELECT max(start_at) FROM recording_spans
                                WHERE device_code = d AND channel_code = c AND storage_class = cls AND start_at <= s - interval '1 second'), '-infinity')
    RETURNING start_at, end_at
  )
  SELECT least(s, min(start_at)), greatest(e, max(end_at)) INTO lo, hi FROM touching;
  INSERT INTO recording_spans VALUES (d, c, cls, lo, hi);
END
$$ LANGUAGE plpgsql;

-- Takes the (already deleted or moved) segment [s, e] out of its span. Only time near [s, e] can
-- change: segments starting before s - longest - 1 s end more than a second before s, so the span's
-- left part up to their latest end stays one run, and the part from the first segment starting
-- after e + 1 s to the span's end stays another. The runs in between are rebuilt from the few
-- segments that remain there.
CREATE FUNCTION recording_spans_remove(d text, c text, cls text, s timestamptz, e timestamptz) RETURNS void AS $$
DECLARE
  span_start timestamptz;
  span_end timestamptz;
  longest interval;
  window_lo timestamptz;
  window_hi timestamptz;
  run_start timestamptz;
  run_end timestamptz;
  piece record;
BEGIN
  DELETE FROM recording_spans
  WHERE device_code = d AND channel_code = c AND storage_class = cls
    AND start_at = (SELECT max(start_at) FROM recording_spans WHERE device_code = d AND channel_code = c AND storage_class = cls AND start_at <= s)
    AND end_at >= e
  RETURNING start_at, end_at INTO span_start, span_end;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT longest_segment INTO longest FROM recording_channel_extents WHERE device_code = d AND channel_code = c;
  window_lo := s - coalesce(longest, interval '0') - interval '1 second';
  window_hi := e + interval '1 second';
  FOR piece IN
    SELECT span_start AS start_at, max(seg.end_at) AS end_at FROM recording_segments seg
    WHERE span_start < window_lo
      AND seg.device_code = d AND seg.channel_code = c AND seg.storage_class = cls
      AND seg.start_at >= window_lo - coalesce(longest, interval '0') - interval '1 second' AND seg.start_at < window_lo
    HAVING max(seg.end_at) IS NOT NULL
    UNION ALL
    SELECT seg.start_at, seg.end_at FROM recording_segments seg
    WHERE seg.device_code = d AND seg.channel_code = c AND seg.storage_class = cls
      AND seg.start_at >= greatest(window_lo, span_start) AND seg.start_at <= least(window_hi, span_end)
    UNION ALL
    SELECT min(seg.start_at), span_end FROM recording_segments seg
    WHERE seg.device_code = d AND seg.channel_code = c AND seg.storage_class = cls
      AND seg.start_at > window_hi AND seg.start_at <= span_end
    HAVING min(seg.start_at) IS NOT NULL
    ORDER BY 1
  LOOP
    IF run_start IS NOT NULL AND piece.start_at <= run_end + interval '1 second' THEN
      run_end := greatest(run_end, piece.end_at);
    ELSE
      IF run_start IS NOT NULL THEN
        INSERT INTO recording_spans VALUES (d, c, cls, run_start, run_end);
      END IF;
      run_start := piece.start_at;
      run_end := piece.end_at;
    END IF;
  END LOOP;
  IF run_start IS NOT NULL THEN
    INSERT INTO recording_spans VALUES (d, c, cls, run_start, run_end);
  END IF;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION recording_segments_keep_spans() RETURNS trigger AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM recording_spans_remove(OLD.device_code, OLD.channel_code, OLD.storage_class, OLD.start_at, OLD.end_at);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF NOT EXISTS (SELECT 1 FROM recording_channel_extents
                   WHERE device_code = NEW.device_code AND channel_code = NEW.channel_code AND longest_segment >= NEW.end_at - NEW.start_at) THEN
      INSERT INTO recording_channel_extents VALUES (NEW.device_code, NEW.channel_code, NEW.end_at - NEW.start_at)
      ON CONFLICT (device_code, channel_code) DO UPDATE SET longest_segment = greatest(recording_channel_extents.longest_segment, excluded.longest_segment);
    END IF;
    PERFORM recording_spans_add(NEW.device_code, NEW.channel_code, NEW.storage_class, NEW.start_at, NEW.end_at);
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER recording_segments_spans
AFTER INSERT OR DELETE OR UPDATE OF device_code, channel_code, storage_class, start_at, end_at ON recording_segments
FOR EACH ROW EXECUTE FUNCTION recording_segments_keep_spans();

-- Segments indexed before this migration.
INSERT INTO recording_channel_extents
SELECT device_code, channel_code, max(end_at - start_at) FROM recording_segments GROUP BY device_code, channel_code;

INSERT INTO recording_spans
SELECT device_code, channel_code, storage_class, min(start_at), max(end_at)
FROM (
  SELECT *, sum(starts_run) OVER (PARTITION BY device_code, channel_code, storage_class ORDER BY start_at, end_at) AS run
  FROM (
    SELECT device_code, channel_code, storage_class, start_at, end_at,
      CASE WHEN start_at <= max(end_at) OVER (PARTITION BY device_code, channel_code, storage_class ORDER BY start_at, end_at
                                              ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + interval '1 second'
           THEN 0 ELSE 1 END AS starts_run
    FROM recording_segments
  ) marked
) runs
GROUP BY device_code, channel_code, storage_class, run;
