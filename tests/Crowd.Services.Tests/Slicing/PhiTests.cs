using System.Text.Json;
using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class PhiTests
{
    // Keywords, as written and in the spellings people use for them.
    [TestCase("PatientName")]
    [TestCase("patientname")]
    [TestCase("PATIENTNAME")]
    [TestCase("Patient Name")]
    [TestCase("patient_name")]
    [TestCase("patient-name")]
    [TestCase("  Patient  Name ")]
    [TestCase("patientid")]
    [TestCase("Patient_ID")]
    [TestCase("PatientBirthDate")]
    [TestCase("patient birth date")]
    [TestCase("PatientSex")]
    [TestCase("PatientAge")]
    [TestCase("PatientAddress")]
    [TestCase("OtherPatientIDs")]
    [TestCase("MedicalRecordLocator")]
    [TestCase("ReferringPhysicianName")]
    [TestCase("referring-physician-name")]
    [TestCase("InstitutionName")]
    [TestCase("AccessionNumber")]
    [TestCase("accession_number")]
    public void IsPatientIdentifying_Keyword_IsTrue(string key) =>
        Assert.That(Phi.IsPatientIdentifying(key), Is.True);

    // PatientName's tag (0010,0010) in every common form, and a few other tags.
    [TestCase("00100010")]
    [TestCase("0010,0010")]
    [TestCase("(0010,0010)")]
    [TestCase("( 0010 , 0010 )")]
    [TestCase("x00100010")]
    [TestCase("X00100010")]
    [TestCase("0x00100010")]
    [TestCase("0X00100010")]
    [TestCase("0010 0010")]
    [TestCase("0010-0010")]
    [TestCase("0010_0010")]
    [TestCase("0010,0020")]
    [TestCase("(0010,0030)")]
    [TestCase("x00080050")]
    [TestCase("0x00080090")]
    [TestCase("0040,a123")]
    [TestCase("(0040,A123)")]
    [TestCase("001021f0")]
    public void IsPatientIdentifying_Tag_IsTrue(string key) =>
        Assert.That(Phi.IsPatientIdentifying(key), Is.True);

    [TestCase("bodyPart")]
    [TestCase("BodyPartExamined")]
    [TestCase("SliceThickness")]
    [TestCase("00180050")]
    [TestCase("(0018,0050)")]
    [TestCase("PatientPosition")]
    [TestCase("00185100")]
    [TestCase("Modality")]
    [TestCase("x")]
    [TestCase("0x")]
    [TestCase("")]
    [TestCase("PatientNameHash")]
    [TestCase("0010001")]
    public void IsPatientIdentifying_ImagingOrUnrelated_IsFalse(string key) =>
        Assert.That(Phi.IsPatientIdentifying(key), Is.False);

    [Test]
    public void Attribute_TagForm_NamesTheKeyword() =>
        Assert.That(Phi.Attribute("(0010,0010)")?.Keyword, Is.EqualTo("PatientName"));

    [TestCase("DOE^JOHN", true)]
    [TestCase("FAMILY^GIVEN^MIDDLE", true)]
    [TestCase("Müller^Jürgen", true)]
    [TestCase("D^J", true)]
    [TestCase("Doe^John^^Dr^", true)]
    [TestCase("O'Brien ^ Mary", true)]
    [TestCase("Smith^", false)]
    [TestCase("^John", false)]
    [TestCase("^", false)]
    [TestCase("2^10", false)]
    [TestCase("x^2", false)]
    [TestCase("1^b", false)]
    [TestCase("CHEST", false)]
    [TestCase("", false)]
    [TestCase("e = m c^2", false)]
    public void IsPersonName_LetterOnEachSideOfACaret(string value, bool expected) =>
        Assert.That(Phi.IsPersonName(value), Is.EqualTo(expected));

    [Test]
    public void Find_NestedObjectsAndArrays_NamesEveryPath()
    {
        var metadata = JsonDocument.Parse("""
            {
              "bodyPart": "CHEST",
              "dicom": { "PatientName": "ANON", "SliceThickness": 1.25, "0x00100020": "12345" },
              "list": [ "ok", { "(0010,0030)": "19700101" }, "DOE^JOHN" ],
              "readers": [ [ { "who": "SMITH^ANNA" } ] ]
            }
            """).RootElement;

        var paths = Phi.Find("items[3].metadata", metadata).Select(f => f.Path);

        Assert.That(paths, Is.EquivalentTo(new[]
        {
            "items[3].metadata.dicom.PatientName",
            "items[3].metadata.dicom.0x00100020",
            "items[3].metadata.list[1].(0010,0030)",
            "items[3].metadata.list[2]",
            "items[3].metadata.readers[0][0].who",
        }));
    }

    [Test]
    public void Find_KeyAndPersonNameValue_AreTwoFindings()
    {
        var paths = Phi.FindInMember("goldItems[0].metadata", "PatientName", JsonDocument.Parse("\"DOE^JOHN\"").RootElement).Select(f => f.Path);
        Assert.That(paths, Is.EqualTo(new[] { "goldItems[0].metadata.PatientName", "goldItems[0].metadata.PatientName" }));
    }

    [Test]
    public void Find_CleanMetadata_FindsNothing()
    {
        var metadata = JsonDocument.Parse("""{ "bodyPart": "CHEST", "series": [ { "SliceThickness": 1.0, "Modality": "CT" } ], "note": "x^2" }""").RootElement;
        Assert.That(Phi.Find("items[0].metadata", metadata), Is.Empty);
    }

    [Test]
    public void All_EveryEntry_HasAKeywordAndAnEightDigitHexTag_EachOnce()
    {
        Assert.That(PhiAttributes.All.Select(a => a.Keyword), Is.Unique.And.All.Match("^[A-Za-z]+$"));
        Assert.That(PhiAttributes.All.Select(a => a.Tag), Is.Unique.And.All.Match("^[0-9A-F]{8}$"));
    }

    [Test]
    public void All_TheContractsExamples_AreInTheList()
    {
        // API.md names these; each must be caught by keyword and by tag.
        var named = new Dictionary<string, string>
        {
            ["PatientName"] = "00100010", ["PatientID"] = "00100020", ["PatientBirthDate"] = "00100030", ["PatientSex"] = "00100040",
            ["PatientAge"] = "00101010", ["PatientAddress"] = "00101040", ["OtherPatientIDs"] = "00101000",
            ["MedicalRecordLocator"] = "00101090", ["ReferringPhysicianName"] = "00080090", ["InstitutionName"] = "00080080",
            ["AccessionNumber"] = "00080050",
        };
        foreach (var (keyword, tag) in named)
        {
            Assert.That(Phi.Attribute(keyword)?.Tag, Is.EqualTo(tag), keyword);
            Assert.That(Phi.Attribute($"({tag[..4]},{tag[4..]})")?.Keyword, Is.EqualTo(keyword), tag);
        }
    }
}
