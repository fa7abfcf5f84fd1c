using System.Text.Json;
using Crowd.Labels;
using Crowd.ServiceDefaults.Validation;
using Crowd.Slicing.Api;
using Crowd.Slicing.Domain;
using Crowd.Slicing.Options;
using FluentValidation.Results;

namespace Crowd.Services.Tests.Slicing;

public sealed class SubmitBatchValidatorTests
{
    private static readonly SubmitBatchValidator Validator = new(Microsoft.Extensions.Options.Options.Create(new PlatformOptions()));

    [Test]
    public void Validate_FiveMillionSlicesWindowOne_IsRefusedNamingSliceCount()
    {
        // How fast: ./crowd bench slicing-refusals (a timed unit test would measure the machine, not the code).
        var errors = Errors(Validator.Validate(Series(5_000_000, items: 1)));

        Assert.That(errors.Keys, Does.Contain("items[0].sliceCount").And.Contain("slicing"));
        Assert.That(errors.Values.SelectMany(e => e).All(e => e.ErrorCode == ValidationFilter.Unprocessable), Is.True);
    }

    [Test]
    public void Validate_BatchOverTheLimitWithBadItemsToo_IsRefusedOnItsCountBeforeItsItemsAreExamined()
    {
        var request = Series(100_000, items: 11) with
        {
            Name = "",
            Items = [.. Series(100_000, items: 11).Items!.Select((item, i) => i == 3 ? item with { ContentUri = "not a uri" } : item)],
        };

        Assert.That(Errors(Validator.Validate(request)).Keys, Is.EqualTo(new[] { "slicing" }));
    }

    [Test]
    public void Validate_IntMaxValueSlicesWindowOne_IsRefusedNotCut() =>
        Assert.That(Errors(Validator.Validate(Series(int.MaxValue, items: 1))).Keys, Does.Contain("items[0].sliceCount"));

    [Test]
    public void Validate_ItemsWithinButBatchOver_NamesSlicingOnly()
    {
        var errors = Errors(Validator.Validate(Series(100_000, items: 11)));
        Assert.That(errors.Keys, Is.EqualTo(new[] { "slicing" }));
    }

    [Test]
    public void Validate_WithinBothLimits_IsValid() =>
        Assert.That(Validator.Validate(Series(100_000, items: 10)).IsValid, Is.True);

    [Test]
    public void Validate_GiantTileSide_NamesWidth()
    {
        var request = Series(1, items: 1) with
        {
            Slicing = new SlicingSpec { Mode = Slicer.Tiles, TileSize = 16, Overlap = 0 },
            Items = [new ItemSpec { ExternalId = "wsi", ContentUri = "s3://bucket/wsi-1", Width = int.MaxValue, Height = 16 }],
        };
        Assert.That(Errors(Validator.Validate(request)).Keys, Does.Contain("items[0].width").And.Not.Contain("items[0].height"));
    }

    [Test]
    public void Validate_GoldItemOverTheItemLimit_NamesTheGoldItem()
    {
        var request = Series(10, items: 1) with
        {
            LabelSchema = new LabelSchemaSpec { Kind = "classification", Classes = ["a", "b"] },
            GoldItems = [new GoldItemSpec { ExternalId = "g", ContentUri = "dicomweb://x/g", SliceCount = 200_000, Truth = JsonDocument.Parse("""{"label":"a"}""").RootElement }],
        };
        Assert.That(Errors(Validator.Validate(request)).Keys, Does.Contain("goldItems[0].sliceCount"));
    }

    [TestCase("http://hooks.example.org/crowd", "https")]
    [TestCase("https://127.0.0.1/hook", "this machine")]
    [TestCase("https://localhost:8443/hook", "this machine")]
    [TestCase("https://10.1.2.3/hook", "private")]
    [TestCase("https://192.168.0.10/hook", "private")]
    [TestCase("https://169.254.169.254/latest/meta-data", "private")]
    [TestCase("https://[::1]/hook", "this machine")]
    [TestCase("https://[fd00::1]/hook", "private")]
    public void Validate_InProduction_AnUnsafeCallbackUrl_IsRefusedNamingIt(string url, string reason)
    {
        var production = new SubmitBatchValidator(
            Microsoft.Extensions.Options.Options.Create(new PlatformOptions()),
            new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Production" });
        var request = Series(10, items: 1) with { CallbackUrl = url };

        var errors = Errors(production.Validate(request));

        Assert.That(errors.Keys, Is.EqualTo(new[] { "CallbackUrl" }));
        Assert.That(errors["CallbackUrl"].Single().ErrorMessage, Does.Contain(reason));
        Assert.That(Validator.Validate(request).IsValid, Is.True, "outside Production the same URL is taken (local development)");
    }

    [Test]
    public void Validate_InProduction_AnHttpsCallbackOnThePublicInternet_IsTaken()
    {
        var production = new SubmitBatchValidator(
            Microsoft.Extensions.Options.Options.Create(new PlatformOptions()),
            new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = "Production" });

        Assert.That(production.Validate(Series(10, items: 1) with { CallbackUrl = "https://hooks.example.org/crowd" }).IsValid, Is.True);
    }

    [Test]
    public void Validate_MaxCostBeyondALong_Is422NamingThePrice()
    {
        // An operator who lifts the limits still gets a refusal, not an overflow: 2^31 - 1 tasks × 15 × 10^6 cents × 1.1.
        var unlimited = new SubmitBatchValidator(Microsoft.Extensions.Options.Options.Create(
            new PlatformOptions { MaxTasksPerItem = int.MaxValue, MaxTasksPerBatch = int.MaxValue, FeeBasisPoints = 1000 }));
        var request = Series(int.MaxValue, items: 1) with { PricePerAnnotationCents = 1_000_000, Redundancy = new RedundancySpec { Min = 1, Max = 15 } };

        var errors = Errors(unlimited.Validate(request));

        Assert.That(errors.Keys, Is.EqualTo(new[] { "pricePerAnnotationCents" }));
        Assert.That(errors["pricePerAnnotationCents"].Single().ErrorCode, Is.EqualTo(ValidationFilter.Unprocessable));
    }

    [TestCase(-1L, "agrees-with-final", "Bonus.Cents")]
    [TestCase(1_000_001L, "agrees-with-final", "Bonus.Cents")]
    [TestCase(null, "agrees-with-final", "Bonus.Cents")]
    [TestCase(5L, "always", "Bonus.When")]
    [TestCase(5L, "", "Bonus.When")]
    public void Validate_BadBonus_NamesTheField(long? cents, string when, string field) =>
        Assert.That(Errors(Validator.Validate(Series(10, 1) with { Bonus = new BonusSpec { Cents = cents, When = when } })).Keys,
            Is.EqualTo(new[] { field }));

    [TestCase(0L, "agrees-with-final")]
    [TestCase(5L, "agrees-with-final")]
    [TestCase(1_000_000L, null)]
    public void Validate_BonusInRange_IsValid(long cents, string? when) =>
        Assert.That(Validator.Validate(Series(10, 1) with { Bonus = new BonusSpec { Cents = cents, When = when } }).IsValid, Is.True);

    [Test]
    public void Validate_BonusTipsMaxCostBeyondALong_Is422NamingThePrice()
    {
        // Lifted limits: 3 × 10^7 tasks × 17 × 10^6 cents × 1.1 fits a long; with a bonus as high as the price it does not.
        var unlimited = new SubmitBatchValidator(Microsoft.Extensions.Options.Options.Create(
            new PlatformOptions { MaxTasksPerItem = int.MaxValue, MaxTasksPerBatch = int.MaxValue, FeeBasisPoints = 1000 }));
        var request = Series(30_000_000, items: 1) with { PricePerAnnotationCents = 1_000_000, Redundancy = new RedundancySpec { Min = 1, Max = 15 } };

        Assert.That(unlimited.Validate(request).IsValid, Is.True);
        Assert.That(Errors(unlimited.Validate(request with { Bonus = new BonusSpec { Cents = 1_000_000 } })).Keys,
            Is.EqualTo(new[] { "pricePerAnnotationCents" }));
    }

    [TestCase(0.0)]
    [TestCase(-0.5)]
    [TestCase(1.0001)]
    public void Validate_ShareOutOfRange_NamesIt(double share) =>
        Assert.That(Errors(Validator.Validate(Series(10, 1) with { Privacy = new PrivacySpec { MaxItemSharePerWorker = share } })).Keys,
            Is.EqualTo(new[] { "Privacy.MaxItemSharePerWorker" }));

    [TestCase(0.01)]
    [TestCase(1.0)]
    public void Validate_ShareInRange_IsValid(double share) =>
        Assert.That(Validator.Validate(Series(10, 1) with { Privacy = new PrivacySpec { MaxItemSharePerWorker = share } }).IsValid, Is.True);

    [Test]
    public void Validate_OrderedOnANonClassificationSchema_Is422NamingIt()
    {
        var request = Series(10, 1) with { LabelSchema = new LabelSchemaSpec { Kind = "multilabel", Classes = ["a", "b"], Ordered = true } };
        var errors = Errors(Validator.Validate(request));
        Assert.That(errors.Keys, Is.EqualTo(new[] { "LabelSchema.Ordered" }));
        Assert.That(errors["LabelSchema.Ordered"].Single().ErrorCode, Is.EqualTo(ValidationFilter.Unprocessable));
    }

    [Test]
    public void Validate_OrderedClassification_IsValid() =>
        Assert.That(Validator.Validate(Series(10, 1) with { LabelSchema = new LabelSchemaSpec { Kind = "classification", Classes = ["mild", "severe"], Ordered = true } }).IsValid, Is.True);

    [TestCase(Slicer.SliceWindow, 0, 1, "Slicing.Window")]
    [TestCase(Slicer.SliceWindow, 1, 0, "Slicing.Stride")]
    public void Validate_WindowOrStrideBelowOne_NamesIt(string mode, int window, int stride, string field) =>
        Assert.That(Errors(Validator.Validate(Series(10, 1) with { Slicing = new SlicingSpec { Mode = mode, Window = window, Stride = stride } })).Keys,
            Does.Contain(field));

    [TestCase(256, 256, "Slicing.Overlap")]
    [TestCase(256, -1, "Slicing.Overlap")]
    [TestCase(0, 0, "Slicing.TileSize")]
    public void Validate_TilesOutOfRange_NamesIt(int tileSize, int overlap, string field)
    {
        var request = Series(10, 1) with
        {
            Slicing = new SlicingSpec { Mode = Slicer.Tiles, TileSize = tileSize, Overlap = overlap },
            Items = [new ItemSpec { ExternalId = "wsi", ContentUri = "s3://bucket/wsi-1", Width = 1000, Height = 1000 }],
        };
        Assert.That(Errors(Validator.Validate(request)).Keys, Does.Contain(field));
    }

    [Test]
    public void Validate_PhiAnywhere_NamesEveryPathVerbatim()
    {
        var request = Series(10, items: 2) with
        {
            Items =
            [
                new ItemSpec { ExternalId = "a", ContentUri = "dicomweb://x/1", SliceCount = 10, Metadata = Metadata("""{ "list": [ "ok", "ok", "DOE^JOHN" ] }""") },
                new ItemSpec { ExternalId = "b", ContentUri = "dicomweb://x/2", SliceCount = 10, Metadata = Metadata("""{ "dicom": { "PatientName": "x" }, "bodyPart": "CHEST" }""") },
            ],
            LabelSchema = new LabelSchemaSpec { Kind = "classification", Classes = ["a", "b"] },
            GoldItems = [new GoldItemSpec { ExternalId = "g", ContentUri = "dicomweb://x/g", SliceCount = 10, Truth = JsonDocument.Parse("""{"label":"a"}""").RootElement, Metadata = Metadata("""{ "x00100020": "123" }""") }],
        };

        var errors = Errors(Validator.Validate(request));

        Assert.That(errors.Keys, Is.EquivalentTo(new[] { "items[0].metadata.list[2]", "items[1].metadata.dicom.PatientName", "goldItems[0].metadata.x00100020" }));
        Assert.That(errors.Values.SelectMany(e => e).All(e => e.ErrorCode == ValidationFilter.Unprocessable && ReferenceEquals(e.CustomState, ValidationFilter.VerbatimPath)), Is.True);
    }

    [Test]
    public void Validate_MetadataOver16KiB_NamesIt()
    {
        var request = Series(10, 1) with
        {
            Items = [new ItemSpec { ExternalId = "a", ContentUri = "dicomweb://x/1", SliceCount = 10, Metadata = Metadata($$"""{ "note": "{{new string('n', 17_000)}}" }""") }],
        };
        Assert.That(Errors(Validator.Validate(request)).Keys, Is.EqualTo(new[] { "Items[0].Metadata" }));
    }

    [Test]
    public void ToSubmission_ValidRequest_CarriesEveryFieldWithDefaults()
    {
        var request = Series(120, 1) with { LabelSchema = new LabelSchemaSpec { Kind = "classification", Classes = ["a", "b"] } };
        Assert.That(Validator.Validate(request).IsValid, Is.True);

        var submission = request.ToSubmission();

        Assert.That(submission.Slicing, Is.EqualTo(new SliceWindowSlicing(1, 1)));
        Assert.That(submission.MaxItemSharePerWorker, Is.EqualTo(1.0));
        Assert.That(submission.LabelSchema.Ordered, Is.False);
        Assert.That(submission.Items.Single().SliceCount, Is.EqualTo(120));
    }

    private static SubmitBatchRequest Series(int sliceCount, int items) => new()
    {
        Name = "Series",
        Modality = "CT",
        LabelSchema = new LabelSchemaSpec { Kind = "classification", Classes = ["nodule", "no-nodule"] },
        Slicing = new SlicingSpec { Mode = Slicer.SliceWindow, Window = 1, Stride = 1 },
        Redundancy = new RedundancySpec { Min = 1, Max = 3 },
        Acceptance = new AcceptanceSpec { Threshold = 0.9 },
        PricePerAnnotationCents = 40,
        Items = [.. Enumerable.Range(0, items).Select(i => new ItemSpec { ExternalId = $"s-{i}", ContentUri = $"dicomweb://x/{i}", SliceCount = sliceCount })],
    };

    private static Dictionary<string, JsonElement> Metadata(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static Dictionary<string, List<ValidationFailure>> Errors(ValidationResult result) =>
        result.Errors.GroupBy(e => e.PropertyName).ToDictionary(g => g.Key, g => g.ToList());
}
