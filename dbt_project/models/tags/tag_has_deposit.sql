{{ profile_tag('HAS_DEPOSIT', "case when has_deposit then 'true' else 'false' end") }}
