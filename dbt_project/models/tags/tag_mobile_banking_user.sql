{{ profile_tag('MOBILE_BANKING_USER', "case when is_mobile_banking_user then 'true' else 'false' end") }}
