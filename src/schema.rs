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
    }
}

diesel::joinable!(replicache_client -> replicache_client_group (client_group_id));

diesel::allow_tables_to_appear_in_same_query!(
    message,
    replicache_client,
    replicache_client_group,
    replicache_server,
);
