-- What every pull asks first: which rooms can this user read? The public live rooms
-- come from this index instead of a scan of every room; the private ones are found
-- through the user's memberships (room_member_user_version_idx), then by key.
CREATE INDEX room_visibility_idx ON room (visibility, deleted);
