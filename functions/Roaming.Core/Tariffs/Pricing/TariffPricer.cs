using Roaming.Core.Transport;

namespace Roaming.Core.Tariffs.Pricing;

/// <summary>
/// Prices sessions with one tariff (OCPI 2.2.1 mod_tariffs, with the step_size rules of mod_cdrs).
/// Compile once per tariff with <see cref="Compile"/>, then <see cref="Price"/> any number of sessions;
/// a compiled tariff is immutable and may be shared across threads.
/// </summary>
/// <remarks>
/// How a session is priced:
/// <list type="number">
/// <item>Each charging period is cut wherever a restriction can switch inside it: a local start_time or
/// end_time, local midnight when a weekday or date restriction exists, a daylight-saving change, the
/// instant min/max_duration is reached, and the point where the session's energy crosses min/max_kwh.
/// Volumes are shared between the parts in proportion to their time (or, at a kWh threshold, so the
/// energy before it is exactly the threshold), assuming an even rate within a period.</item>
/// <item>Each part is priced per dimension by the first element, in list order, that has a component of
/// that dimension and whose restrictions hold in the middle of the part (no boundary lies inside a part,
/// so the middle speaks for all of it). Reservation time is priced only by elements with a reservation
/// restriction, everything else only by elements without; an expired reservation (a CDR of reservation
/// periods only) looks at RESERVATION_EXPIRES elements before RESERVATION ones.</item>
/// <item>A FLAT fee is charged once for the charging session and once for a reservation, by the first
/// FLAT component that holds at the earliest part of each.</item>
/// <item>step_size is applied once per session to the priced total: of ENERGY, with the last ENERGY
/// component's step; of whichever of TIME and PARKING_TIME was priced last, with its last component's
/// step; of reservation time likewise. What the step adds is billed by that last component.</item>
/// <item>min_price and max_price bound the total, excl. and incl. VAT separately.</item>
/// </list>
/// Arithmetic is System.Decimal throughout and nothing is rounded inside; see <see cref="CurrencyRounding"/>
/// for the rounding of the output.
/// </remarks>
public sealed class TariffPricer
{
    private const decimal SecondsPerHour = 3600m;
    private const decimal WhPerKwh = 1000m;

    private readonly Tariff _tariff;
    private readonly CompiledRestrictions[] _elements;
    private readonly Candidate[] _flat, _energy, _time, _parking, _reservationFlat, _reservationTime, _expiredFlat, _expiredTime;
    private readonly int[] _boundaryMinutes;
    private readonly decimal[] _kwhThresholds;
    private readonly long[] _durationThresholds;
    private readonly bool _usesCalendar;

    [ThreadStatic] private static Workspace? t_workspace;

    private TariffPricer(Tariff tariff)
    {
        var v = new OcpiValidator();
        tariff.Validate(v);
        // Identity and last_updated name and date the copy, not the price: the spec's own PUT example omits
        // last_updated and still has a price, and a tariff kept by another tool may lack its party.
        var errors = v.Errors.Where(e => e.Field is not ("last_updated" or "country_code" or "party_id" or "id")).ToList();
        if (errors.Count > 0)
            throw new TariffPricingException("the tariff is not valid OCPI 2.2.1: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Problem}")));
        _tariff = tariff;
        var elements = tariff.Elements!;
        _elements = new CompiledRestrictions[elements.Count];
        List<Candidate> flat = [], energy = [], time = [], parking = [], resFlat = [], resTime = [], expFlat = [], expTime = [];
        for (var i = 0; i < elements.Count; i++)
        {
            var r = _elements[i] = new CompiledRestrictions(i, elements[i].Restrictions);
            var components = elements[i].PriceComponents!;
            int flatAt = -1, energyAt = -1, timeAt = -1, parkingAt = -1;
            for (var c = 0; c < components.Count; c++)
            {
                var pc = components[c];
                if (pc.Price < 0) throw new TariffPricingException($"tariff element {i} component {c}: price {pc.Price} is negative");
                if (pc.Vat < 0) throw new TariffPricingException($"tariff element {i} component {c}: vat {pc.Vat} is negative");
                // Only one component per dimension can be active; a second one of the same dimension in an element never is.
                switch (pc.Type!.Value)
                {
                    case TariffDimensionType.Flat when flatAt < 0: flatAt = c; break;
                    case TariffDimensionType.Energy when energyAt < 0: energyAt = c; break;
                    case TariffDimensionType.Time when timeAt < 0: timeAt = c; break;
                    case TariffDimensionType.ParkingTime when parkingAt < 0: parkingAt = c; break;
                }
            }
            if (r.Reservation is { } reservation)
            {
                if (energyAt >= 0 || parkingAt >= 0)
                    throw new TariffPricingException($"tariff element {i} has a reservation restriction, so only FLAT and TIME components are allowed in it");
                var (f, t) = reservation == ReservationRestrictionType.Reservation ? (resFlat, resTime) : (expFlat, expTime);
                AddCandidate(f, r, components, flatAt);
                AddCandidate(t, r, components, timeAt);
            }
            else
            {
                AddCandidate(flat, r, components, flatAt);
                AddCandidate(energy, r, components, energyAt);
                AddCandidate(time, r, components, timeAt);
                AddCandidate(parking, r, components, parkingAt);
            }
        }
        (_flat, _energy, _time, _parking) = ([.. flat], [.. energy], [.. time], [.. parking]);
        (_reservationFlat, _reservationTime) = ([.. resFlat], [.. resTime]);
        // An expired reservation is priced by RESERVATION_EXPIRES elements first (mod_tariffs note), then RESERVATION ones.
        (_expiredFlat, _expiredTime) = ([.. expFlat, .. resFlat], [.. expTime, .. resTime]);

        _usesCalendar = _elements.Any(e => e.UsesCalendar);
        var minutes = new SortedSet<int>();
        foreach (var e in _elements)
        {
            if (e.HasTimeWindow)
            {
                minutes.Add(e.StartMinute);
                minutes.Add(e.EndMinute % CompiledRestrictions.MinutesPerDay);
            }
            if (e.DayMask != 0 || e.StartDay != int.MinValue || e.EndDay != int.MaxValue) minutes.Add(0);
        }
        _boundaryMinutes = [.. minutes];
        _kwhThresholds = [.. _elements.SelectMany(e => new[] { e.MinKwh, e.MaxKwh }).OfType<decimal>().Where(k => k > 0).Distinct().Order()];
        _durationThresholds = [.. _elements.SelectMany(e => new[] { e.MinDurationTicks, e.MaxDurationTicks })
            .Where(t => t > 0 && t != long.MaxValue).Distinct().Order()];
        CheckBound(tariff.MinPrice, "min_price");
        CheckBound(tariff.MaxPrice, "max_price");
    }

    public Tariff Tariff => _tariff;

    /// <summary>Whether a restriction reads the local calendar (time of day, weekday, date), so the location's time zone matters.</summary>
    public bool UsesCalendar => _usesCalendar;

    /// <summary>Checks and prepares a tariff; a tariff the engine cannot apply fails here with the reason.</summary>
    public static TariffPricer Compile(Tariff tariff) => new(tariff);

    public PricedSession Price(in PricingRequest request)
    {
        var periods = request.Periods.Span;
        CheckSession(request, periods);
        var ws = t_workspace ??= new Workspace();
        ws.Reset();
        long start = request.Start.UtcTicks, end = request.End.UtcTicks;
        if (_usesCalendar)
        {
            ws.Clock.Reset(request.TimeZone, start, end);
            ws.Clock.AddLocalBoundaries(_boundaryMinutes, start, end, ref ws.Boundaries, ref ws.BoundaryCount);
        }
        else ws.Clock.Reset(TimeZoneInfo.Utc, start, end);
        foreach (var d in _durationThresholds)
            if (start + d < end) GrowableArray.Add(ref ws.Boundaries, ref ws.BoundaryCount, start + d);
        Array.Sort(ws.Boundaries, 0, ws.BoundaryCount);

        var anyCharging = false;
        var anyReservation = false;
        foreach (ref readonly var p in periods)
        {
            if (p.IsReservationOnly) anyReservation = true;
            else anyCharging = true;
        }
        var state = new State { Start = start, Expired = anyReservation && !anyCharging };

        decimal kwhBefore = 0;
        var nextBoundary = 0;
        for (var i = 0; i < periods.Length; i++)
        {
            ref readonly var p = ref periods[i];
            long t0 = p.Start.UtcTicks, t1 = i + 1 < periods.Length ? periods[i + 1].Start.UtcTicks : end;
            while (nextBoundary < ws.BoundaryCount && ws.Boundaries[nextBoundary] <= t0) nextBoundary++;
            var cuts = 0;
            for (var b = nextBoundary; b < ws.BoundaryCount && ws.Boundaries[b] < t1; b++)
            {
                var share = (decimal)(ws.Boundaries[b] - t0) / (t1 - t0);
                ws.AddCut(ref cuts, share, p.Energy * share);
            }
            if (p.Energy > 0)
            {
                var timeCuts = cuts;
                foreach (var k in _kwhThresholds)
                    if (k > kwhBefore && k < kwhBefore + p.Energy) ws.AddCut(ref cuts, (k - kwhBefore) / p.Energy, k - kwhBefore);
                if (timeCuts > 0 && cuts > timeCuts) Array.Sort(ws.Cuts, ws.CutEnergy, 0, cuts);
            }
            if (cuts == 0)
                PricePart(ws, ref state, i, p, t0, t1, p.Energy, p.Time, p.ParkingTime, p.ReservationTime, kwhBefore + p.Energy * 0.5m);
            else
                PriceCutPeriod(ws, ref state, i, p, t0, t1, cuts, kwhBefore);
            kwhBefore += p.Energy;
        }

        if (ws.ChargeCount == 0 && (ws.UnpricedCount > 0 || state.FlatMissed)) throw NothingApplies(state);
        ApplyStep(ws, state.LastEnergy, state.EnergyPriced, WhPerKwh);
        // TIME and PARKING_TIME share one step: the one of whichever was priced last, on that dimension's total.
        var parkingLast = state.LastTimeLike >= 0 && ws.Charges[state.LastTimeLike].Dimension == BilledDimension.ParkingTime;
        ApplyStep(ws, state.LastTimeLike, parkingLast ? state.ParkingPriced : state.TimePriced, SecondsPerHour);
        ApplyStep(ws, state.LastReservationTime, state.ReservationPriced, SecondsPerHour);
        return Finish(ws, request, kwhBefore);
    }

    private void PriceCutPeriod(Workspace ws, ref State state, int i, in MeteredPeriod p, long t0, long t1, int cuts, decimal kwhBefore)
    {
        var duration = t1 - t0;
        decimal from = 0, energyDone = 0, timeDone = 0, parkingDone = 0, reservationDone = 0;
        var partStart = t0;
        for (var c = 0; c <= cuts; c++)
        {
            var last = c == cuts;
            var to = last ? 1m : ws.Cuts[c];
            if (to <= from) continue;
            var share = to - from;
            // The last part takes what is left, so the parts always add up to the period exactly; energy is
            // cut at the energy of each cut, so a part ending at a kWh threshold ends exactly on it.
            var energy = (last ? p.Energy : ws.CutEnergy[c]) - energyDone;
            var time = last ? p.Time - timeDone : p.Time * share;
            var parking = last ? p.ParkingTime - parkingDone : p.ParkingTime * share;
            var reservation = last ? p.ReservationTime - reservationDone : p.ReservationTime * share;
            var partEnd = last ? t1 : t0 + (long)decimal.Round(duration * to);
            PricePart(ws, ref state, i, p, partStart, partEnd, energy, time, parking, reservation, kwhBefore + energyDone + energy * 0.5m);
            energyDone += energy; timeDone += time; parkingDone += parking; reservationDone += reservation;
            from = to;
            partStart = partEnd;
        }
    }

    private void PricePart(Workspace ws, ref State state, int source, in MeteredPeriod p, long partStart, long partEnd,
        decimal energy, decimal time, decimal parking, decimal reservation, decimal kwhAtMiddle)
    {
        var middle = partStart + (partEnd - partStart) / 2;
        var local = ws.Clock.Local(middle);
        var probe = new Probe
        {
            LocalMinute = (int)(local % TimeSpan.TicksPerDay / TimeSpan.TicksPerMinute),
            LocalDay = (int)(local / TimeSpan.TicksPerDay),
            Kwh = kwhAtMiddle,
            ElapsedTicks = middle - state.Start,
            PeriodIndex = source,
            MinCurrent = p.MinCurrent, MaxCurrent = p.MaxCurrent, MinPower = p.MinPower, MaxPower = p.MaxPower,
        };
        if (ws.PeriodCount == 0) state.FirstProbe = probe;
        var part = ws.PeriodCount;
        var firstCharge = ws.ChargeCount;
        var reservationPart = p.IsReservationOnly;
        if (!reservationPart && !state.FlatCharged)
        {
            if (Charge(ws, part, BilledDimension.Flat, _flat, probe, 1m) >= 0) state.FlatCharged = true;
            else if (_flat.Length > 0) state.FlatMissed = true;
        }
        if (reservation > 0 && !state.ReservationFlatCharged
            && Charge(ws, part, BilledDimension.ReservationFlat, state.Expired ? _expiredFlat : _reservationFlat, probe, 1m) >= 0)
            state.ReservationFlatCharged = true;
        if (energy > 0 && Charge(ws, part, BilledDimension.Energy, _energy, probe, energy) is var e and >= 0)
        {
            state.LastEnergy = e;
            state.EnergyPriced += energy;
        }
        if (time > 0 && Charge(ws, part, BilledDimension.Time, _time, probe, time) is var t and >= 0)
        {
            state.LastTimeLike = t;
            state.TimePriced += time;
        }
        if (parking > 0 && Charge(ws, part, BilledDimension.ParkingTime, _parking, probe, parking) is var k and >= 0)
        {
            state.LastTimeLike = k;
            state.ParkingPriced += parking;
        }
        if (reservation > 0 && Charge(ws, part, BilledDimension.ReservationTime, state.Expired ? _expiredTime : _reservationTime, probe, reservation) is var r and >= 0)
        {
            state.LastReservationTime = r;
            state.ReservationPriced += reservation;
        }
        ws.AddPeriod(new BilledPeriod(source, new DateTimeOffset(partStart, TimeSpan.Zero), new DateTimeOffset(partEnd, TimeSpan.Zero),
            energy, time, parking, reservation, firstCharge, ws.ChargeCount - firstCharge));
    }

    /// <summary>Charges <paramref name="quantity"/> with the first candidate that holds; returns the charge's index, or -1 when none does.</summary>
    private static int Charge(Workspace ws, int part, BilledDimension dimension, Candidate[] candidates, in Probe probe, decimal quantity)
    {
        foreach (var c in candidates)
        {
            if (!c.Restrictions.Holds(probe)) continue;
            var excl = quantity * c.Price;
            ws.AddCharge(new BilledCharge(part, dimension, c.Restrictions.ElementIndex, c.ComponentIndex, quantity, 0m, c.Price, c.Vat,
                excl, excl * c.VatFactor), c);
            return ws.ChargeCount - 1;
        }
        if (dimension is not (BilledDimension.Flat or BilledDimension.ReservationFlat))
            ws.AddUnpriced(new UnpricedQuantity(part, dimension, quantity));
        return -1;
    }

    /// <summary>
    /// Rounds a priced total up to the step of the component that priced last (mod_cdrs, step_size) and
    /// bills the difference there. The total is first rounded to 1e-9 of the step unit (nWh, ns): finer
    /// digits can only be left-overs of dividing a period, and must not cost a whole extra step.
    /// </summary>
    private static void ApplyStep(Workspace ws, int chargeIndex, decimal pricedTotal, decimal unitsPerQuantity)
    {
        if (chargeIndex < 0) return;
        var component = ws.ChargeComponents[chargeIndex];
        var step = component.StepSize;
        if (step <= 0) return;
        var units = pricedTotal * unitsPerQuantity;
        var billedUnits = decimal.Ceiling(decimal.Round(units, 9) / step) * step;
        if (billedUnits <= units) return;
        var extra = (billedUnits - units) / unitsPerQuantity;
        ref var c = ref ws.Charges[chargeIndex];
        var quantity = c.Quantity + extra;
        var excl = quantity * component.Price;
        c = c with { Quantity = quantity, StepExtra = extra, CostExclVat = excl, CostInclVat = excl * component.VatFactor };
    }

    private PricedSession Finish(Workspace ws, in PricingRequest request, decimal totalEnergy)
    {
        Amount energy = default, time = default, parking = default, flat = default, reservation = default;
        bool hasEnergy = false, hasTime = false, hasParking = false, hasFlat = false, hasReservation = false;
        for (var i = 0; i < ws.ChargeCount; i++)
        {
            ref readonly var c = ref ws.Charges[i];
            var a = new Amount(c.CostExclVat, c.CostInclVat);
            switch (c.Dimension)
            {
                case BilledDimension.Energy: energy += a; hasEnergy = true; break;
                case BilledDimension.Time: time += a; hasTime = true; break;
                case BilledDimension.ParkingTime: parking += a; hasParking = true; break;
                case BilledDimension.Flat: flat += a; hasFlat = true; break;
                default: reservation += a; hasReservation = true; break;
            }
        }
        var total = energy + time + parking + flat + reservation;
        var (bounded, minApplied, maxApplied) = Bound(total);
        decimal parkingTime = 0, reservationTime = 0;
        foreach (ref readonly var p in request.Periods.Span)
        {
            parkingTime += p.ParkingTime;
            reservationTime += p.ReservationTime;
        }
        var costs = new CdrCosts(bounded, hasEnergy ? energy : null, hasTime ? time : null, hasParking ? parking : null,
            hasFlat ? flat : null, hasReservation ? reservation : null);
        return new PricedSession(_tariff.Currency!, costs, totalEnergy,
            (decimal)(request.End.UtcTicks - request.Start.UtcTicks) / TimeSpan.TicksPerHour, parkingTime, reservationTime,
            ws.Periods.AsSpan(0, ws.PeriodCount).ToArray(), ws.Charges.AsSpan(0, ws.ChargeCount).ToArray(),
            ws.UnpricedCount == 0 ? [] : ws.Unpriced.AsSpan(0, ws.UnpricedCount).ToArray(), minApplied, maxApplied);
    }

    /// <summary>
    /// min_price and max_price bound excl. and incl. VAT each on its own (mod_tariffs notes). A bound
    /// without incl_vat moves the incl. VAT total by the same amount as the excl. VAT one, as no VAT
    /// rate can be told for the difference.
    /// </summary>
    private (Amount Total, bool MinApplied, bool MaxApplied) Bound(Amount total)
    {
        bool minApplied = false, maxApplied = false;
        if (_tariff.MinPrice is { ExclVat: { } minExcl } min)
        {
            var excl = Math.Max(total.ExclVat, minExcl);
            var incl = min.InclVat is { } minIncl ? Math.Max(total.InclVat, minIncl) : total.InclVat + (excl - total.ExclVat);
            minApplied = excl != total.ExclVat || incl != total.InclVat;
            total = new Amount(excl, incl);
        }
        if (_tariff.MaxPrice is { ExclVat: { } maxExcl } max)
        {
            var excl = Math.Min(total.ExclVat, maxExcl);
            var incl = max.InclVat is { } maxIncl ? Math.Min(total.InclVat, maxIncl) : total.InclVat - (total.ExclVat - excl);
            maxApplied = excl != total.ExclVat || incl != total.InclVat;
            total = new Amount(excl, incl);
        }
        return (total, minApplied, maxApplied);
    }

    private void CheckSession(in PricingRequest request, ReadOnlySpan<MeteredPeriod> periods)
    {
        if (_tariff.Type is { } type && type != request.SessionType)
            throw new TariffPricingException($"tariff {_tariff.Id} is of type {OcpiName.Of(type)} and applies only to such sessions; this session is {OcpiName.Of(request.SessionType)}");
        if (_tariff.StartDateTime is { } from && request.Start < from)
            throw new TariffPricingException($"tariff {_tariff.Id} becomes active at {OcpiDateTime.Format(from)}, after the session started at {OcpiDateTime.Format(request.Start)}");
        if (_tariff.EndDateTime is { } until && request.Start > until)
            throw new TariffPricingException($"tariff {_tariff.Id} ended at {OcpiDateTime.Format(until)}, before the session started at {OcpiDateTime.Format(request.Start)}");
        if (request.End < request.Start) throw new TariffPricingException("the session ends before it starts");
        if (periods.IsEmpty) throw new TariffPricingException("the session has no charging periods");
        var previous = request.Start;
        for (var i = 0; i < periods.Length; i++)
        {
            ref readonly var p = ref periods[i];
            if (p.Start < previous)
                throw new TariffPricingException(i == 0 ? "charging period 0 starts before the session"
                    : $"charging period {i} starts before charging period {i - 1}: periods must be in time order");
            if (p.Start > request.End) throw new TariffPricingException($"charging period {i} starts after the session ended");
            if (p.Energy < 0) throw new TariffPricingException($"charging period {i}: negative ENERGY (energy fed to the grid) is not priced by an OCPI 2.2.1 tariff");
            if (p.Time < 0 || p.ParkingTime < 0 || p.ReservationTime < 0) throw new TariffPricingException($"charging period {i}: a time volume is negative");
            previous = p.Start;
        }
    }

    private TariffPricingException NothingApplies(in State state)
    {
        var reservationPhase = state.Expired;
        var probe = state.FirstProbe;
        var reasons = string.Join("; ", _elements.Select(e => $"element {e.ElementIndex}: {e.WhyNot(probe, reservationPhase)}"));
        return new TariffPricingException($"no element of tariff {_tariff.Id} applies to this session ({reasons})");
    }

    private static void AddCandidate(List<Candidate> into, CompiledRestrictions r, List<PriceComponent> components, int index)
    {
        if (index < 0) return;
        var pc = components[index];
        into.Add(new Candidate(r, index, pc.Price!.Value, pc.Vat, pc.Vat is { } vat ? 1m + vat / 100m : 1m, pc.StepSize!.Value));
    }

    private static void CheckBound(Types.Price? bound, string field)
    {
        if (bound is null) return;
        if (bound.ExclVat < 0 || bound.InclVat < 0) throw new TariffPricingException($"tariff {field} is negative");
    }


    /// <summary>A price component that may price a dimension, with the restrictions of its element.</summary>
    private sealed record Candidate(CompiledRestrictions Restrictions, int ComponentIndex, decimal Price, decimal? Vat, decimal VatFactor, int StepSize);

    private struct State
    {
        public long Start;
        public bool Expired, FlatCharged, FlatMissed, ReservationFlatCharged;
        public int LastEnergy, LastTimeLike, LastReservationTime;
        public decimal EnergyPriced, TimePriced, ParkingPriced, ReservationPriced;
        public Probe FirstProbe;

        public State() => LastEnergy = LastTimeLike = LastReservationTime = -1;
    }

    /// <summary>Per-thread buffers, so pricing a session allocates only its result.</summary>
    private sealed class Workspace
    {
        public readonly SessionClock Clock = new();
        public long[] Boundaries = new long[16];
        public int BoundaryCount;
        public decimal[] Cuts = new decimal[8];
        public decimal[] CutEnergy = new decimal[8];
        public BilledPeriod[] Periods = new BilledPeriod[64];
        public int PeriodCount;
        public BilledCharge[] Charges = new BilledCharge[128];
        public Candidate[] ChargeComponents = new Candidate[128];
        public int ChargeCount;
        public UnpricedQuantity[] Unpriced = new UnpricedQuantity[8];
        public int UnpricedCount;

        public void Reset()
        {
            // Drop the last session's components, so a thread's buffer does not keep a replaced tariff alive.
            Array.Clear(ChargeComponents, 0, ChargeCount);
            BoundaryCount = PeriodCount = ChargeCount = UnpricedCount = 0;
        }

        /// <summary>A cut at a share of the period, with the energy charged in the period up to it.</summary>
        public void AddCut(ref int count, decimal share, decimal energy)
        {
            var at = count;
            GrowableArray.Add(ref Cuts, ref count, share);
            if (CutEnergy.Length < Cuts.Length) Array.Resize(ref CutEnergy, Cuts.Length);
            CutEnergy[at] = energy;
        }

        public void AddPeriod(in BilledPeriod p) => GrowableArray.Add(ref Periods, ref PeriodCount, p);

        /// <summary>A charge and the component that priced it, which step_size may come back to.</summary>
        public void AddCharge(in BilledCharge c, Candidate component)
        {
            var at = ChargeCount;
            GrowableArray.Add(ref Charges, ref ChargeCount, c);
            if (ChargeComponents.Length < Charges.Length) Array.Resize(ref ChargeComponents, Charges.Length);
            ChargeComponents[at] = component;
        }

        public void AddUnpriced(in UnpricedQuantity u) => GrowableArray.Add(ref Unpriced, ref UnpricedCount, u);
    }
}
