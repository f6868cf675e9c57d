DROP INDEX room_visibility_idx;
