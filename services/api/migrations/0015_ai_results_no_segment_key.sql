-- A5 `Object` names a recording segment by its object key; the results of that file are the
-- channel's results taken inside the segment's [start_at, end_at) (store/ai-tasks.ts queryResults),
-- found through recording_segments. ai_results.segment_key was never filled (the relay cannot know
-- which segment a keyframe will end up in when it reports), so it goes.
ALTER TABLE ai_results DROP COLUMN segment_key;
