namespace Crowd.Slicing.Domain;

/// <summary>
/// Patient-identifying DICOM attributes (PS3.15 Annex E basic profile, patient module) by keyword and by tag.
/// Item metadata travels to workers; none of these may be in it.
/// </summary>
public static class Phi
{
    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "PatientName", "PatientID", "PatientBirthDate", "PatientBirthTime", "PatientAddress", "OtherPatientIDs",
        "OtherPatientIDsSequence", "OtherPatientNames", "PatientBirthName", "PatientMotherBirthName", "PatientTelephoneNumbers",
        "MedicalRecordLocator", "IssuerOfPatientID", "PatientInsurancePlanCodeSequence", "MilitaryRank", "BranchOfService",
        "CountryOfResidence", "RegionOfResidence", "EthnicGroup", "PatientReligiousPreference", "ResponsiblePerson",
        "AccessionNumber", "ReferringPhysicianName", "InstitutionName", "InstitutionAddress", "PersonName",
    };

    private static readonly HashSet<string> Tags = new(StringComparer.OrdinalIgnoreCase)
    {
        "00100010", "00100020", "00100030", "00100032", "00101040", "00101000", "00101002", "00101001", "00101005",
        "00101060", "00102154", "00101090", "00100021", "00100050", "00101080", "00101081", "00102150", "00102152",
        "00102160", "00102180", "00102161", "00080050", "00080090", "00080080", "00080081",
    };

    /// <summary>True for a keyword such as <c>PatientName</c> or a tag written <c>00100010</c>, <c>0010,0010</c> or <c>(0010,0010)</c>.</summary>
    public static bool IsPatientIdentifying(string key)
    {
        var trimmed = key.Trim();
        var tag = trimmed.Replace("(", "", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal)
            .Replace(",", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal);
        return Keywords.Contains(trimmed) || Tags.Contains(tag);
    }
}
