{{ profile_tag('AGE_BAND', "
    case
        when age_years is null or age_years < 18 then 'UNKNOWN'
        when age_years <= 25 then '18-25'
        when age_years <= 35 then '26-35'
        when age_years <= 45 then '36-45'
        when age_years <= 55 then '46-55'
        when age_years <= 65 then '56-65'
        else '66+'
    end") }}
