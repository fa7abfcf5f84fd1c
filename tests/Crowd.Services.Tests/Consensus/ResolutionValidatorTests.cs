using System.Text.Json;
using Crowd.Consensus.Api;

namespace Crowd.Services.Tests.Consensus;

public sealed class ResolutionValidatorTests
{
    private static readonly JsonElement Label = JsonSerializer.SerializeToElement(new { label = "nodule" });

    [Test]
    public void Validate_LabelOnly_OrExcludeOnly_IsValid()
    {
        var validator = new ResolutionValidator();
        Assert.That(validator.Validate(new ResolutionRequest { Label = Label, Note = "agreed" }).IsValid, Is.True);
        Assert.That(validator.Validate(new ResolutionRequest { Label = Label, Exclude = false }).IsValid, Is.True);
        Assert.That(validator.Validate(new ResolutionRequest { Exclude = true, Note = "unreadable" }).IsValid, Is.True);
    }

    [Test]
    public void Validate_Both_NamesExclude()
    {
        var result = new ResolutionValidator().Validate(new ResolutionRequest { Label = Label, Exclude = true });
        Assert.That(result.Errors.Select(e => e.PropertyName), Is.EqualTo(new[] { "Exclude" }));
    }

    [Test]
    public void Validate_Neither_NamesLabel()
    {
        var validator = new ResolutionValidator();
        Assert.That(validator.Validate(new ResolutionRequest()).Errors.Select(e => e.PropertyName), Is.EqualTo(new[] { "Label" }));
        Assert.That(validator.Validate(new ResolutionRequest { Exclude = false }).Errors.Select(e => e.PropertyName), Is.EqualTo(new[] { "Label" }));
    }
}
