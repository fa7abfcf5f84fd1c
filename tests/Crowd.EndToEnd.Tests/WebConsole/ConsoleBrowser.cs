using Crowd.EndToEnd.Tests.Infrastructure;
using PuppeteerSharp;

namespace Crowd.EndToEnd.Tests.WebConsole;

/// <summary>
/// The system's Chromium (Debian's <c>chromium</c> package, which <c>./crowd test</c> installs when it is missing), headless,
/// with a fresh profile and the switches that keep it off the network it cannot reach here, driven over the DevTools
/// protocol. Nothing is downloaded.
/// </summary>
public sealed class ConsoleBrowser : IAsyncDisposable
{
    private static readonly string[] Switches =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    private readonly IBrowser _browser;
    private readonly DirectoryInfo _profile;

    private ConsoleBrowser(IBrowser browser, DirectoryInfo profile)
    {
        _browser = browser;
        _profile = profile;
    }

    /// <summary>Where the tests leave their screenshots (README's pictures of the console are copied from here).</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(CrowdProcesses.RepositoryRoot, ".crowd", "screenshots");

    public static async Task<ConsoleBrowser> LaunchAsync()
    {
        var executable = Environment.GetEnvironmentVariable("CROWD_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException(
                $"No Chromium at {executable}: ./crowd test installs Debian's chromium package (or set CROWD_CHROMIUM).");
        }

        var profile = Directory.CreateTempSubdirectory("crowd-chromium-");
        var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            UserDataDir = profile.FullName,
            Args = Switches,
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 900 },
            Timeout = 60_000,
        });
        return new ConsoleBrowser(browser, profile);
    }

    /// <summary>A new tab (its own session storage: signed out) at the console.</summary>
    public async Task<ConsolePage> OpenAsync(Uri gateway)
    {
        var context = await _browser.CreateBrowserContextAsync();
        var page = await context.NewPageAsync();
        var console = new ConsolePage(page, new Uri(gateway, "/console/"));
        await console.GoHomeAsync();
        return console;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.CloseAsync();
        await _browser.DisposeAsync();
        _profile.Delete(recursive: true);
    }
}

/// <summary>One tab on the console, with the few steps a test takes: sign in, go to a view, wait for what a user would see.</summary>
public sealed class ConsolePage
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly IPage _page;
    private readonly Uri _home;
    private readonly List<string> _failures = [];

    public ConsolePage(IPage page, Uri home)
    {
        _page = page;
        _home = home;
        // An uncaught script error or a content security policy refusal is a broken console, whatever the page shows.
        page.PageError += (_, e) => _failures.Add($"page error: {e.Message}");
        page.Console += (_, e) =>
        {
            if (e.Message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                _failures.Add($"console: {e.Message.Text}");
            }
        };
    }

    /// <summary>Script errors and policy refusals seen on this tab so far.</summary>
    public IReadOnlyList<string> Failures => _failures;

    public Task GoHomeAsync() => _page.GoToAsync(_home.ToString(), WaitUntilNavigation.Load);

    /// <summary>Pastes the token into the sign-in form and submits it, as a user does.</summary>
    public async Task SignInAsync(string token)
    {
        await _page.WaitForSelectorAsync("#token", new WaitForSelectorOptions { Timeout = (int)Patience.TotalMilliseconds });
        await _page.EvaluateFunctionAsync("(value) => { document.getElementById('token').value = value; }", token);
        await _page.ClickAsync("#sign-in");
    }

    /// <summary>
    /// From now on holds back every request whose address contains <paramref name="addressPart"/> by
    /// <paramref name="delay"/> before it goes out, as a slow network or a busy service would delay its answer.
    /// </summary>
    public async Task SlowDownAsync(string addressPart, TimeSpan delay)
    {
        await _page.SetRequestInterceptionAsync(true);
        _page.Request += async (_, e) =>
        {
            if (e.Request.Url.Contains(addressPart, StringComparison.Ordinal))
            {
                await Task.Delay(delay);
            }

            await e.Request.ContinueAsync();
        };
    }

    public Task GoToAsync(string hash) => _page.EvaluateFunctionAsync("(hash) => { location.hash = hash; }", hash);

    public Task ClickAsync(string selector) => _page.ClickAsync(selector);

    /// <summary>Types into a field key by key, as a user does.</summary>
    public Task TypeAsync(string selector, string text) => _page.TypeAsync(selector, text);

    /// <summary>Waits until <paramref name="predicate"/> (a JavaScript expression) is true on the page.</summary>
    public async Task WaitForAsync(string predicate, string what)
    {
        try
        {
            await _page.WaitForExpressionAsync(predicate, new WaitForFunctionOptions { Timeout = (int)Patience.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (WaitTaskTimeoutException)
        {
            Assert.Fail($"The console never showed {what} within {Patience.TotalSeconds} s. It showed: {await TextAsync("body")}");
        }
    }

    public Task<T> EvaluateAsync<T>(string expression) => _page.EvaluateExpressionAsync<T>(expression);

    public Task<string> TextAsync(string selector) =>
        _page.EvaluateFunctionAsync<string>("(selector) => document.querySelector(selector)?.textContent ?? ''", selector);

    public Task<int> CountAsync(string selector) =>
        _page.EvaluateFunctionAsync<int>("(selector) => document.querySelectorAll(selector).length", selector);

    /// <summary>A full-page picture under <see cref="ConsoleBrowser.ScreenshotFolder"/>.</summary>
    public async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ConsoleBrowser.ScreenshotFolder);
        await _page.ScreenshotAsync(Path.Combine(ConsoleBrowser.ScreenshotFolder, name), new ScreenshotOptions { FullPage = true });
    }
}
