{{ profile_tag('TXN_COUNT_30D', "txn_count_30d") }}
