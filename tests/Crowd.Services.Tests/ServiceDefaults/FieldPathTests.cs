using Crowd.ServiceDefaults.Validation;

namespace Crowd.Services.Tests.ServiceDefaults;

public sealed class FieldPathTests
{
    [TestCase("Name", "name")]
    [TestCase("Redundancy.Min", "redundancy.min")]
    [TestCase("Items[3].ContentUri", "items[3].contentUri")]
    [TestCase("PricePerAnnotationCents", "pricePerAnnotationCents")]
    public void FieldPath_ValidatorPropertyName_IsTheApiFieldPath(string propertyName, string field) =>
        Assert.That(ValidationFilter.FieldPath(propertyName), Is.EqualTo(field));
}
