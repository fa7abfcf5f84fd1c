using Crowd.Slicing.Domain;

namespace Crowd.Services.Tests.Slicing;

public sealed class PhiTests
{
    [TestCase("PatientName")]
    [TestCase("patientid")]
    [TestCase("PatientBirthDate")]
    [TestCase("PatientAddress")]
    [TestCase("OtherPatientIDs")]
    [TestCase("00100010")]
    [TestCase("0010,0020")]
    [TestCase("(0010,0030)")]
    public void IsPatientIdentifying_DicomPatientAttribute_IsTrue(string key) =>
        Assert.That(Phi.IsPatientIdentifying(key), Is.True);

    [TestCase("bodyPart")]
    [TestCase("SliceThickness")]
    [TestCase("00180050")]
    [TestCase("PatientPosition")]
    public void IsPatientIdentifying_ImagingAttribute_IsFalse(string key) =>
        Assert.That(Phi.IsPatientIdentifying(key), Is.False);
}
