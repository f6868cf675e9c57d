// @generated automatically by Diesel CLI.

diesel::table! {
    message (id) {
        id -> Text,
        sender -> Text,
        content -> Text,
        ord -> Int8,
        deleted -> Bool,
        version -> Int8,
        deleted_at -> Nullable<Timestamp>,
        room_id -> Text,
        author_id -> Text,
    }
}

diesel::table! {
    rejected_mutation (client_id, mutation_id) {
        client_id -> Text,
        mutation_id -> Int8,
        client_group_id -> Text,
        name -> Text,
        reason -> Text,
        created_at -> Timestamp,
        deleted -> Bool,
        version -> Int8,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    replicache_client (id) {
        id -> Text,
        client_group_id -> Text,
        last_mutation_id -> Int8,
        version -> Int8,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    replicache_client_group (id) {
        id -> Text,
        user_id -> Text,
        last_seen -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    replicache_server (id) {
        id -> Int4,
        version -> Int8,
        tombstone_horizon -> Int8,
        access_version -> Int8,
    }
}

diesel::table! {
    room (id) {
        id -> Text,
        name -> Text,
        visibility -> Text,
        owner_id -> Text,
        created_version -> Int8,
        deleted -> Bool,
        version -> Int8,
        deleted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    room_member (room_id, user_id) {
        room_id -> Text,
        user_id -> Text,
        role -> Text,
        created_version -> Int8,
        deleted -> Bool,
        version -> Int8,
        deleted_at -> Nullable<Timestamp>,
        left_version -> Nullable<Int8>,
    }
}

diesel::joinable!(replicache_client -> replicache_client_group (client_group_id));
diesel::joinable!(room_member -> room (room_id));

diesel::allow_tables_to_appear_in_same_query!(
    message,
    rejected_mutation,
    replicache_client,
    replicache_client_group,
    replicache_server,
    room,
    room_member,
);
