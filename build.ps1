#!/usr/bin/env pwsh
<#
.SYNOPSIS
  EdgeProxy's one build entry point (run it with `dotnet pwsh ./build.ps1 <task>` after `dotnet tool restore`).

.DESCRIPTION
  build    Restore and build everything (Release).
  test     build, run every test project, publish the NativeAOT gateway (zero warnings required) and smoke it:
           README's run command on the sample config, one proxied request, the load-test smoke scenario,
           SIGTERM drain. Ends with one line "N passed, N failed".
  publish  NativeAOT publish of the gateway for linux-x64 into out/edgeproxy/.
  bench    BenchmarkDotNet micro-benchmarks (bench/EdgeProxy.Benchmarks); -Filter narrows them.
  peers    Side-by-side run against nginx, HAProxy and YARP with ../shared/bench (needs the AOT binary).
#>
param(
    [ValidateSet('build', 'test', 'publish', 'bench', 'peers', 'smoke')]
    [string] $Task = 'build',
    [string] $Filter = '*',
    [switch] $Quick
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Artifacts = Join-Path $Root 'artifacts'
$PublishDir = Join-Path $Root 'out/edgeproxy'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native([string] $What, [scriptblock] $Command) {
    Write-Host "==> $What" -ForegroundColor Cyan
    & $Command | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit $LASTEXITCODE)" }
}

function Install-Packages([string[]] $Packages, [string] $Why) {
    if ($Packages.Count -eq 0) { return }
    $list = $Packages -join ' '
    if ((id -u) -eq '0') {
        Invoke-Native "install $list" { apt-get update -qq; apt-get install -y -qq @Packages }
    } elseif (Get-Command sudo -ErrorAction SilentlyContinue) {
        Invoke-Native "install $list (sudo)" { sudo apt-get update -qq; sudo apt-get install -y -qq @Packages }
    } else {
        throw "$Why needs $list`: run 'apt-get install -y $list' as root"
    }
}

function Assert-AotToolchain {
    # NativeAOT links with clang and needs zlib's headers; install them when we can, say how when we cannot.
    $missing = @()
    if (-not (Get-Command clang -ErrorAction SilentlyContinue)) { $missing += 'clang' }
    if (-not (Test-Path '/usr/include/zlib.h')) { $missing += 'zlib1g-dev' }
    Install-Packages $missing 'NativeAOT'
}

function Assert-TestServers {
    # Cluster-mode tests start their own redis-server processes on free loopback ports.
    if (-not (Get-Command redis-server -ErrorAction SilentlyContinue)) {
        Install-Packages @('redis-server') 'the cluster-mode tests'
        # The package may start a system instance on 6379; the tests never use it.
        if (Get-Command systemctl -ErrorAction SilentlyContinue) { systemctl stop redis-server 2>$null | Out-Null }
    }
}

function Invoke-Build {
    Invoke-Native 'build' { dotnet build (Join-Path $Root 'EdgeProxy.sln') -c Release -nologo -clp:NoSummary }
}

function Invoke-Publish {
    Assert-AotToolchain
    $log = Join-Path $Artifacts 'publish.log'
    New-Item -ItemType Directory -Force $Artifacts | Out-Null
    Write-Host '==> publish NativeAOT (linux-x64)' -ForegroundColor Cyan
    dotnet publish (Join-Path $Root 'src/EdgeProxy/EdgeProxy.csproj') -c Release -r linux-x64 -o $PublishDir -nologo 2>&1 | Tee-Object -FilePath $log | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "publish failed (exit $LASTEXITCODE)" }
    $warnings = @(Select-String -Path $log -Pattern 'warning (IL|CS|AOT|NU)\d+' | ForEach-Object { $_.Line.Trim() } | Sort-Object -Unique)
    if ($warnings.Count -gt 0) {
        $warnings | ForEach-Object { Write-Host $_ -ForegroundColor Yellow }
        throw "NativeAOT publish produced $($warnings.Count) warning(s); the bar is zero"
    }
    $size = (Get-Item (Join-Path $PublishDir 'edgeproxy')).Length / 1MB
    Write-Host ("    out/edgeproxy/edgeproxy: {0:N1} MiB, 0 warnings" -f $size)
}

function Wait-Http([string] $Url, [int] $Seconds = 20) {
    $deadline = (Get-Date).AddSeconds($Seconds)
    while ((Get-Date) -lt $deadline) {
        try { return Invoke-WebRequest -Uri $Url -TimeoutSec 2 -SkipHttpErrorCheck } catch { Start-Sleep -Milliseconds 100 }
    }
    throw "$Url did not answer within $Seconds s"
}

# Counts passed checks in $script:SmokePassed; throws on the first failure. Native output goes to the host so
# it never mixes into a function's return value.
$script:SmokePassed = 0
function Invoke-Smoke {
    $binary = Join-Path $PublishDir 'edgeproxy'
    if (-not (Test-Path $binary)) { Invoke-Publish }
    Write-Host '==> smoke: AOT gateway on config/ with the demo upstream' -ForegroundColor Cyan
    & $binary validate (Join-Path $Root 'config') | Out-Host
    if ($LASTEXITCODE -ne 0) { throw 'edgeproxy validate config/ failed' }
    $script:SmokePassed++

    # A broken config: validate and start-up both refuse it, exit 1 and point at file:line:column.
    $bad = Join-Path ([IO.Path]::GetTempPath()) ("edgeproxy-bad-" + [Guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Force $bad | Out-Null
    Set-Content -Path (Join-Path $bad 'bad.toml') -Value "[[listeners]]`nname = `"x`"`nlisten = `"127.0.0.1:notaport`"`n"
    foreach ($invocation in @(@('validate', $bad), @('--config', $bad))) {
        $output = & $binary @invocation 2>&1 | Out-String
        if ($LASTEXITCODE -ne 1 -or $output -notmatch 'bad\.toml:3:10') { throw "edgeproxy $($invocation -join ' ') on a bad config: exit $LASTEXITCODE, output: $output" }
    }
    Remove-Item -Recurse -Force $bad
    Write-Host '    a bad config is refused by validate and at start-up, with file:line:column'
    $script:SmokePassed++

    # The README's run command binds fixed ports; someone else answering on them would fake a pass.
    foreach ($port in 8080, 9001, 9901) {
        $probe = [Net.Sockets.TcpClient]::new()
        try {
            if ($probe.ConnectAsync('127.0.0.1', $port).Wait(200)) { throw "port $port on 127.0.0.1 is already in use; stop what listens there and rerun" }
        } catch [AggregateException] { } finally { $probe.Dispose() }
    }

    # keys new: the key alone on stdout, the TOML entry with its SHA-256 on stderr; nothing else.
    $errFile = [IO.Path]::GetTempFileName()
    $key = (& $binary keys new --id smoke-1 2> $errFile | Out-String).Trim()
    $entry = Get-Content $errFile -Raw
    Remove-Item $errFile
    $sha = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($key))).ToLowerInvariant()
    if ($LASTEXITCODE -ne 0 -or $key -notmatch '^epk_[A-Za-z0-9_-]{43}$' -or $entry -notmatch "id = `"smoke-1`", key_sha256 = `"$sha`"") {
        throw "edgeproxy keys new: exit $LASTEXITCODE, key '$key', entry '$entry'"
    }
    Write-Host '    keys new: a 256-bit URL-safe key and its key_sha256 entry'
    $script:SmokePassed++

    New-Item -ItemType Directory -Force $Artifacts | Out-Null
    $logFile = Join-Path $Artifacts 'smoke-gateway.log'
    $process = Start-Process -FilePath $binary -ArgumentList @('--config', (Join-Path $Root 'config'), '--demo-upstream', '127.0.0.1:9001') `
        -RedirectStandardOutput $logFile -RedirectStandardError "$logFile.err" -PassThru
    try {
        $response = Wait-Http 'http://127.0.0.1:8080/hello'
        if ($process.HasExited) { throw "the gateway exited with $($process.ExitCode): $(Get-Content "$logFile.err" -Raw)" }
        if ($response.StatusCode -ne 200 -or $response.Content -notmatch 'demo upstream') { throw "unexpected response: $($response.StatusCode) $($response.Content)" }
        if (-not $response.Headers['X-Request-Id']) { throw 'no X-Request-Id on the proxied response' }
        Write-Host "    GET /hello through the AOT binary: $($response.StatusCode)"
        $script:SmokePassed++

        $echo = Invoke-RestMethod 'http://127.0.0.1:8080/api/echo?x=1'
        if ($echo.path -ne '/echo' -or $echo.headers.'X-Gateway' -ne 'edgeproxy') { throw "rewrite/header policy not applied: $($echo | ConvertTo-Json -Compress)" }
        $script:SmokePassed++

        # The sample's keyed route: refused without a key, served with the demo key, rate-limit headers on both.
        $secure = Invoke-WebRequest 'http://127.0.0.1:8080/secure/hello' -SkipHttpErrorCheck
        if ($secure.StatusCode -ne 401 -or -not $secure.Headers['WWW-Authenticate']) { throw "keyed route without a key: $($secure.StatusCode)" }
        $secure = Invoke-WebRequest 'http://127.0.0.1:8080/secure/hello' -Headers @{ 'X-Api-Key' = 'epk_demo_sample_key_do_not_use_in_production' }
        if ($secure.StatusCode -ne 200 -or -not $secure.Headers['RateLimit-Policy']) { throw "keyed route with the demo key: $($secure.StatusCode)" }
        Write-Host '    /secure/hello: 401 without a key, 200 with the demo key and RateLimit headers'
        $script:SmokePassed++

        # The sample's orders API: v1 is deprecated (RFC 9745/8594 headers, successor link), v2 plain.
        $v1 = Invoke-WebRequest 'http://127.0.0.1:8080/v1/orders/42'
        if ($v1.StatusCode -ne 200 -or "$($v1.Headers['Deprecation'])" -ne '@1780272000' -or -not $v1.Headers['Sunset'] -or "$($v1.Headers['Link'])" -notmatch 'successor-version') {
            throw "deprecated /v1/orders: $($v1.StatusCode), Deprecation '$($v1.Headers['Deprecation'])', Link '$($v1.Headers['Link'])'"
        }
        $v2 = Invoke-WebRequest 'http://127.0.0.1:8080/v2/orders/42'
        if ($v2.StatusCode -ne 200 -or $v2.Headers['Deprecation']) { throw "published /v2/orders: $($v2.StatusCode)" }
        Write-Host '    /v1/orders: Deprecation, Sunset and successor Link; /v2/orders: none'
        $script:SmokePassed++

        $metrics = (Invoke-WebRequest 'http://127.0.0.1:9901/metrics').Content
        if ($metrics -notmatch 'edgeproxy_requests_total\{route="demo-hello",status="200"\}') { throw 'metrics missing the proxied request' }
        $script:SmokePassed++

        $loadRunner = Join-Path $Root 'loadtests/EdgeProxy.LoadTests/EdgeProxy.LoadTests.csproj'
        $scenario = Join-Path $Root 'loadtests/scenarios/smoke.toml'
        if ((Test-Path $loadRunner) -and (Test-Path $scenario)) {
            Invoke-Native 'smoke: load-test SLO scenario against the AOT gateway' {
                dotnet run -c Release --project $loadRunner -- run $scenario --target 'http://127.0.0.1:8080' --report-dir (Join-Path $Artifacts 'loadtest-smoke') | Out-Host
            }
            $script:SmokePassed++
        }

        Write-Host '==> smoke: SIGTERM drains and exits 0' -ForegroundColor Cyan
        kill -TERM $process.Id | Out-Host
        if (-not $process.WaitForExit(15000)) { throw 'gateway did not exit within 15 s of SIGTERM' }
        if ($process.ExitCode -ne 0) { throw "gateway exited $($process.ExitCode) after SIGTERM" }
        $script:SmokePassed++
    } finally {
        if (-not $process.HasExited) { $process.Kill($true) }
    }
}

function Get-TrxCounts([string] $Directory) {
    $passed = 0; $failed = 0
    foreach ($file in Get-ChildItem -Path $Directory -Filter *.trx -Recurse) {
        [xml] $trx = Get-Content -LiteralPath $file.FullName -Raw
        $counters = $trx.TestRun.ResultSummary.Counters
        $passed += [int] $counters.passed
        $failed += [int] $counters.failed + [int] $counters.error + [int] $counters.timeout + [int] $counters.aborted
    }
    return @($passed, $failed)
}

function Invoke-Test {
    Assert-TestServers
    Invoke-Build
    $results = Join-Path $Artifacts 'test-results'
    Remove-Item -Recurse -Force $results -ErrorAction SilentlyContinue
    Write-Host '==> test' -ForegroundColor Cyan
    dotnet test (Join-Path $Root 'EdgeProxy.sln') -c Release --no-build --nologo --results-directory $results `
        --logger 'trx' --logger 'console;verbosity=minimal' --blame-hang-timeout 5m
    $testExit = $LASTEXITCODE
    $counts = Get-TrxCounts $results
    $passed = $counts[0]; $failed = $counts[1]
    if ($passed -eq 0) { $failed++ }
    $smokeFailed = $false
    if ($testExit -eq 0) {
        try {
            Invoke-Publish
            Invoke-Smoke
            $passed += $script:SmokePassed
        } catch {
            Write-Host "smoke failed: $_" -ForegroundColor Red
            $failed++
            $smokeFailed = $true
        }
    }
    Write-Host ''
    Write-Host "$passed passed, $failed failed"
    if ($testExit -ne 0 -or $failed -gt 0 -or $smokeFailed) { exit 1 }
}

function Invoke-Bench {
    Invoke-Native 'benchmarks' { dotnet run -c Release --project (Join-Path $Root 'bench/EdgeProxy.Benchmarks') -- --filter $Filter }
}

function Invoke-Peers {
    if (-not (Test-Path (Join-Path $PublishDir 'edgeproxy'))) { Invoke-Publish }
    $shared = Join-Path $Root '../shared/bench/run.sh'
    if (-not (Test-Path $shared)) { throw "the side-by-side harness is expected at $shared" }
    $args = @('--target', "edgeproxy=$PublishDir/edgeproxy --no-watch --config $Root/bench/edgeproxy.toml", '--port', '18090',
        '--out', (Join-Path $Root 'bench/peers'), '--build-dir', '/tmp/edgeproxy-bench-build')
    if ($Quick) { $args += '--quick' }
    Invoke-Native 'side-by-side benchmark' { bash $shared @args }
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'publish' { Invoke-Publish }
    'smoke' { Invoke-Smoke; Write-Host "$($script:SmokePassed) passed, 0 failed" }
    'bench' { Invoke-Bench }
    'peers' { Invoke-Peers }
}
