// The market-data messages (gateway/messages_market_data.cpp): every message round-trips at the
// server versions around HISTORICAL_DATA's layout change (176, 195, 196, 200), the captured
// frames quoted in the reference notes decode to their values and re-encode byte for byte, and
// hostile counts are refused before anything is allocated.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gateway/messages.hpp"
#include "tests/unit/gateway_test_util.hpp"

namespace intentq::gw {
namespace {

const std::vector<int> kVersions = {176, 195, 196, 200};

// Encodes request `r` (id `req_id`) at every version: `check_frame` looks at the frame, which
// decodes back to the same id and request.
template <class Decoded, class Request, class CheckFrame>
void expect_round_trips(std::string (*encode)(int, int, const Request&), int req_id,
                        const Request& r, CheckFrame check_frame) {
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    auto p = encode(sv, req_id, r);
    check_frame(p);
    auto m = client_as<Decoded>(sv, p);
    EXPECT_EQ(m.req_id, req_id);
    EXPECT_EQ(m.request, r);
  }
}

// What a recorded reqHistoricalData asks for: the contract's symbol and type and the bars.
struct BarsAsked {
  std::string symbol;
  std::string sec_type;
  std::string end_date_time;
  std::string bar_size;
  std::string duration;
  std::string what_to_show;
  bool use_rth;
};

void expect_asked(const HistoricalDataRequest& r, const BarsAsked& want) {
  EXPECT_EQ(r.contract.symbol, want.symbol);
  EXPECT_EQ(r.contract.sec_type, want.sec_type);
  EXPECT_EQ(r.end_date_time, want.end_date_time);
  EXPECT_EQ(r.bar_size, want.bar_size);
  EXPECT_EQ(r.duration, want.duration);
  EXPECT_EQ(r.what_to_show, want.what_to_show);
  EXPECT_EQ(r.use_rth, want.use_rth);
}

std::vector<Bar> some_bars() {
  return {
      {"1733925600", 243.5, 244.25, 243.125, 244.0, "1523400", "243.7125", 8123},
      {"1733929200", 244.0, 244.5, 243.75, 244.25, "98765.5", "244.1", 512},
      {"20241211", 99.77543, 99.77636, 99.77543, 99.77609, "-1", "-1", -1},
  };
}

// ---- Client -> server ----

TEST(MarketDataRequests, HistoricalDataRoundTrips) {
  HistoricalDataRequest r;
  r.contract = aapl_call();
  r.contract.include_expired = true;
  r.end_date_time = "20250413-21:56:00";
  r.bar_size = "1 min";
  r.duration = "2 D";
  r.use_rth = false;
  r.what_to_show = "BID_ASK";
  expect_round_trips<ReqHistoricalData>(encode_req_historical_data, 41, r, [](const auto& p) {
    // id, reqId, 12 contract fields, includeExpired, end, bar, duration, rth, what, format,
    // keepUpToDate, chartOptions
    EXPECT_EQ(field_count(p), 23u) << pipes(p);
  });
}

TEST(MarketDataRequests, HistoricalDataBagLegsRoundTrip) {
  HistoricalDataRequest r;
  r.contract = aapl_stock();
  r.contract.sec_type = "BAG";
  r.legs = {{111, 1, "BUY", "SMART"}, {222, 2, "SELL", "SMART"}};
  auto p = encode_req_historical_data(200, 7, r);
  EXPECT_EQ(field_count(p), 23u + 1 + 8) << pipes(p);
  EXPECT_EQ(client_as<ReqHistoricalData>(200, p).request, r);
}

TEST(MarketDataRequests, CapturedHistoricalRequestsDecodeAndReencode) {
  // The two captured reqHistoricalData frames of the reference notes. Their log shows fields
  // joined by commas without the last, empty chartOptions field every official client sends
  // (C++/Python/Java EClient at server versions >= 70); it is added here.
  const std::string mnq =
      "20|2|0|MNQ|CONTFUT||0.0|||GLOBEX||USD|||0|20220701 00:00:00|1 secs|1 D|0|TRADES|1|0||";
  auto m = client_as<ReqHistoricalData>(200, nul(mnq));
  EXPECT_EQ(m.req_id, 2);
  expect_asked(m.request,
               {"MNQ", "CONTFUT", "20220701 00:00:00", "1 secs", "1 D", "TRADES", false});
  EXPECT_FALSE(m.request.contract.strike);
  EXPECT_EQ(m.request.contract.exchange, "GLOBEX");
  EXPECT_EQ(m.request.contract.currency, "USD");
  EXPECT_EQ(m.request.format_date, 1);
  EXPECT_FALSE(m.request.keep_up_to_date);
  EXPECT_EQ(pipes(encode_req_historical_data(200, m.req_id, m.request)), mnq);

  const std::string bond =
      "20|1|0|US912797PA95|BOND||0.0|||SMART||USD|||0|20250413 21:56:00 UTC|1 day|8 D|1|"
      "MIDPOINT|1|0||";
  auto b = client_as<ReqHistoricalData>(178, nul(bond));
  expect_asked(b.request,
               {"US912797PA95", "BOND", "20250413 21:56:00 UTC", "1 day", "8 D", "MIDPOINT", true});
  EXPECT_EQ(pipes(encode_req_historical_data(178, b.req_id, b.request)), bond);
}

TEST(MarketDataRequests, RecordedSv195ExchangeDecodes) {
  // A Go client's sv-195 historical-bars exchange (tws-samples, decoded from its source): its
  // request prints the strike "0" (ours "0.0"; both read as no strike) and ends with the empty
  // chartOptions field; the answer carries the range in HISTORICAL_DATA (sv < 196). The answer's
  // count is 1 here: the recording quotes only its first bar.
  auto q = client_as<ReqHistoricalData>(
      195, nul("20|1001|0|AAPL|STK||0|||SMART||USD|||0||1 hour|1 D|1|TRADES|1|0||"));
  EXPECT_EQ(q.req_id, 1001);
  expect_asked(q.request, {"AAPL", "STK", "", "1 hour", "1 D", "TRADES", true});
  EXPECT_FALSE(q.request.contract.strike);
  EXPECT_EQ(q.request.format_date, 1);
  auto a = server_as<HistoricalDataMsg>(
      195, nul("17|1001|20260709 16:35:03 US/Eastern|20260710 16:35:03 US/Eastern|1|"
               "20260710 09:30:00 US/Eastern|314.66|316.40|313.21|314.30|3293552|314.771|31704|"));
  EXPECT_EQ(a.req_id, 1001);
  EXPECT_EQ(a.start, "20260709 16:35:03 US/Eastern");
  EXPECT_TRUE(a.ends_answer);
  ASSERT_EQ(a.bars.size(), 1u);
  EXPECT_EQ(a.bars[0].time, "20260710 09:30:00 US/Eastern");
  EXPECT_DOUBLE_EQ(a.bars[0].high, 316.40);
  EXPECT_EQ(a.bars[0].volume, "3293552");
  EXPECT_EQ(decimal_value(a.bars[0].wap), 314.771);
  EXPECT_EQ(a.bars[0].count, 31704);
}

TEST(MarketDataRequests, HeadTimestampRoundTrips) {
  HeadTimestampRequest r;
  r.contract = aapl_stock();
  r.use_rth = false;
  r.what_to_show = "MIDPOINT";
  expect_round_trips<ReqHeadTimestamp>(encode_req_head_timestamp, 9, r, [](const auto& p) {
    EXPECT_EQ(pipes(p), "87|9|0|AAPL|STK||0.0|||SMART|NASDAQ|USD|||0|0|MIDPOINT|2|");
  });
}

TEST(MarketDataRequests, MktDataSnapshotRoundTrips) {
  MarketDataRequest r;
  r.contract = aapl_stock();
  r.contract.con_id = 265598;
  expect_round_trips<ReqMktData>(encode_req_mkt_data, 12, r, [](const auto& p) {
    EXPECT_EQ(pipes(p), "1|11|12|265598|AAPL|STK||0.0|||SMART|NASDAQ|USD|||0||1|0||");
  });
  // The delta-neutral group and BAG legs are read when present.
  r.contract.sec_type = "BAG";
  r.legs = {{1, 1, "BUY", "SMART"}};
  r.delta_neutral = DeltaNeutral{99, 0.5, 12.25};
  r.snapshot = false;
  EXPECT_EQ(client_as<ReqMktData>(200, encode_req_mkt_data(200, 3, r)).request, r);
}

TEST(MarketDataRequests, CancelsAndMarketDataType) {
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    EXPECT_EQ(pipes(encode_cancel_historical_data(sv, 5)), "25|1|5|");
    EXPECT_EQ(pipes(encode_cancel_head_timestamp(sv, 6)), "90|6|");
    EXPECT_EQ(pipes(encode_cancel_mkt_data(sv, 7)), "2|2|7|");
    EXPECT_EQ(pipes(encode_req_market_data_type(sv, market_data_type::kDelayed)), "59|1|3|");
    EXPECT_EQ(client_as<CancelHistoricalData>(sv, encode_cancel_historical_data(sv, 5)).req_id, 5);
    EXPECT_EQ(client_as<CancelHeadTimestamp>(sv, encode_cancel_head_timestamp(sv, 6)).req_id, 6);
    EXPECT_EQ(client_as<CancelMktData>(sv, encode_cancel_mkt_data(sv, 7)).req_id, 7);
    EXPECT_EQ(client_as<ReqMarketDataType>(sv, encode_req_market_data_type(sv, 4)).type, 4);
  }
}

// ---- Server -> client ----

TEST(MarketDataAnswers, HistoricalDataLayoutChangesAt196) {
  HistoricalDataMsg m;
  m.req_id = 3;
  m.start = "1733900000";
  m.end = "1733990000";
  m.bars = some_bars();
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    auto p = encode_historical_data(sv, m);
    auto d = server_as<HistoricalDataMsg>(sv, p);
    EXPECT_EQ(d.req_id, 3);
    EXPECT_EQ(d.bars, m.bars);
    if (sv < 196) {
      EXPECT_EQ(field_count(p), 5u + 8 * 3);  // id, reqId, start, end, count, bars
      EXPECT_EQ(d.start, m.start);
      EXPECT_EQ(d.end, m.end);
      EXPECT_TRUE(d.ends_answer);
      EXPECT_THROW(encode_historical_data_end(sv, {3, "a", "b"}), CodecError);
    } else {
      EXPECT_EQ(field_count(p), 3u + 8 * 3);  // id, reqId, count, bars
      EXPECT_TRUE(d.start.empty());
      EXPECT_FALSE(d.ends_answer);
      HistoricalDataEnd e{3, m.start, m.end};
      auto pe = encode_historical_data_end(sv, e);
      EXPECT_EQ(pipes(pe), "108|3|1733900000|1733990000|");
      EXPECT_EQ(server_as<HistoricalDataEnd>(sv, pe), e);
    }
  }
}

TEST(MarketDataAnswers, CapturedHistoricalDataAt178) {
  // The captured v178 answer (its first bar; the capture's count of 8 is 1 here, since the other
  // seven bars are not quoted). Daily bars carry yyyymmdd; MIDPOINT has -1 volume/wap/count.
  const std::string frame =
      "17|1|20250405 17:56:00 US/Eastern|20250413 17:56:00 US/Eastern|1|"
      "20250402|99.77543|99.77636|99.77543|99.77609|-1|-1|-1|";
  auto m = server_as<HistoricalDataMsg>(178, nul(frame));
  EXPECT_EQ(m.req_id, 1);
  EXPECT_EQ(m.start, "20250405 17:56:00 US/Eastern");
  EXPECT_EQ(m.end, "20250413 17:56:00 US/Eastern");
  EXPECT_TRUE(m.ends_answer);
  ASSERT_EQ(m.bars.size(), 1u);
  const Bar& b = m.bars[0];
  EXPECT_EQ(b.time, "20250402");
  EXPECT_DOUBLE_EQ(b.open, 99.77543);
  EXPECT_DOUBLE_EQ(b.high, 99.77636);
  EXPECT_DOUBLE_EQ(b.low, 99.77543);
  EXPECT_DOUBLE_EQ(b.close, 99.77609);
  EXPECT_EQ(b.volume, "-1");
  EXPECT_EQ(b.wap, "-1");
  EXPECT_EQ(b.count, -1);
  EXPECT_FALSE(decimal_value(b.volume));
  EXPECT_EQ(pipes(encode_historical_data(178, m)), frame);
  // The same frame read at sv 200 has no range: the two dates are taken for count and bars.
  EXPECT_THROW(decode_server_message(200, nul(frame)), CodecError);
}

TEST(MarketDataAnswers, HistoricalDataUpdateHasItsOwnOrder) {
  HistoricalDataUpdate u{4, 17, {"1733925600", 1.0, 2.0, 0.5, 1.5, "300", "1.25", -1}};
  for (int sv : kVersions) {
    auto p = encode_historical_data_update(sv, u);
    // open, close, high, low, wap, volume
    EXPECT_EQ(pipes(p), "90|4|17|1733925600|1|1.5|2|0.5|1.25|300|");
    EXPECT_EQ(server_as<HistoricalDataUpdate>(sv, p), u);  // bar.count stays -1: not on the wire
  }
}

TEST(MarketDataAnswers, HeadTimestampAndTicksRoundTrip) {
  for (int sv : kVersions) {
    SCOPED_TRACE(sv);
    HeadTimestampMsg h{5, "345479400"};
    EXPECT_EQ(pipes(encode_head_timestamp(sv, h)), "88|5|345479400|");
    EXPECT_EQ(server_as<HeadTimestampMsg>(sv, encode_head_timestamp(sv, h)), h);

    TickReqParams params{6, 0.01, "9c0001", 3};
    EXPECT_EQ(pipes(encode_tick_req_params(sv, params)), "81|6|0.01|9c0001|3|");
    EXPECT_EQ(server_as<TickReqParams>(sv, encode_tick_req_params(sv, params)), params);

    MarketDataTypeMsg t{6, market_data_type::kDelayed};
    EXPECT_EQ(pipes(encode_market_data_type(sv, t)), "58|1|6|3|");
    EXPECT_EQ(server_as<MarketDataTypeMsg>(sv, encode_market_data_type(sv, t)), t);

    TickPrice price{6, tick::kDelayedBid, 189.3, "200", 0};
    EXPECT_EQ(pipes(encode_tick_price(sv, price)), "1|6|6|66|189.3|200|0|");
    EXPECT_EQ(server_as<TickPrice>(sv, encode_tick_price(sv, price)), price);

    TickSize size{6, tick::kVolume, "1234567.5"};
    EXPECT_EQ(pipes(encode_tick_size(sv, size)), "2|6|6|8|1234567.5|");
    EXPECT_EQ(server_as<TickSize>(sv, encode_tick_size(sv, size)), size);

    TickGeneric generic{6, 49, 0};
    EXPECT_EQ(server_as<TickGeneric>(sv, encode_tick_generic(sv, generic)), generic);

    TickString str{6, tick::kLastTimestamp, "1733925600"};
    EXPECT_EQ(pipes(encode_tick_string(sv, str)), "46|6|6|45|1733925600|");
    EXPECT_EQ(server_as<TickString>(sv, encode_tick_string(sv, str)), str);

    EXPECT_EQ(pipes(encode_tick_snapshot_end(sv, {6})), "57|1|6|");
    EXPECT_EQ(server_as<TickSnapshotEnd>(sv, encode_tick_snapshot_end(sv, {6})).req_id, 6);
  }
  // TICK_REQ_PARAMS with IB's unset spellings.
  auto p = server_as<TickReqParams>(200, nul("81|6|1.7976931348623157E308||2147483647|"));
  EXPECT_FALSE(p.min_tick);
  EXPECT_FALSE(p.snapshot_permissions);
}

TEST(MarketDataAnswers, InOut90AreDifferentMessages) {
  // Out 90 = cancelHeadTimestamp, in 90 = historicalDataUpdate: each direction decodes its own.
  EXPECT_EQ(client_as<CancelHeadTimestamp>(200, nul("90|6|")).req_id, 6);
  EXPECT_EQ(server_as<HistoricalDataUpdate>(200, nul("90|4|17|t|1|1.5|2|0.5|1.25|300|")).req_id, 4);
}

TEST(MarketDataAnswers, HostileCountsAreRefused) {
  // More bars than fields left (8 per bar), a negative count, and a count beyond the cap.
  EXPECT_THROW(decode_server_message(200, nul("17|1|2|t|1|1|1|1|-1|-1|-1|")), CodecError);
  EXPECT_THROW(decode_server_message(200, nul("17|1|-1|")), CodecError);
  EXPECT_THROW(decode_server_message(195, nul("17|1|s|e|99999999999|")), CodecError);
  std::string huge = "17|1|" + std::to_string(kMaxBarsPerMessage + 1) + "|";
  for (size_t i = 0; i < 8 * (kMaxBarsPerMessage + 1); ++i) huge += "|";
  EXPECT_THROW(decode_server_message(200, nul(huge)), CodecError);
  // Legs of a BAG request: 4 fields each.
  EXPECT_THROW(decode_client_message(
                   200, nul("1|11|1|0|X|BAG||0.0|||SMART||USD|||5|1|1|BUY|SMART|0||1|0||")),
               CodecError);
  // Truncation at every field boundary throws, never reads past the payload.
  HistoricalDataMsg m{1, "s", "e", some_bars(), false};
  for (int sv : {195, 196}) {
    auto p = encode_historical_data(sv, m);
    for (size_t cut = 0; cut < p.size(); ++cut) {
      if (cut > 0 && p[cut - 1] != '\0') continue;
      EXPECT_THROW(decode_server_message(sv, p.substr(0, cut)), CodecError) << cut;
    }
  }
}

TEST(MarketDataValues, DecimalValueAndTickTypes) {
  EXPECT_EQ(decimal_value("1523400"), 1523400.0);
  EXPECT_EQ(decimal_value("0.5"), 0.5);
  EXPECT_EQ(decimal_value("0"), 0.0);
  EXPECT_FALSE(decimal_value("-1"));
  EXPECT_FALSE(decimal_value(""));
  EXPECT_FALSE(decimal_value("9223372036854775807"));
  EXPECT_FALSE(decimal_value("abc"));
  EXPECT_TRUE(is_delayed_tick(66));
  EXPECT_TRUE(is_delayed_tick(76));
  EXPECT_TRUE(is_delayed_tick(88));
  EXPECT_FALSE(is_delayed_tick(1));
  EXPECT_FALSE(is_delayed_tick(77));
  EXPECT_EQ(live_tick_type(66), tick::kBid);
  EXPECT_EQ(live_tick_type(74), tick::kVolume);
  EXPECT_EQ(live_tick_type(88), tick::kLastTimestamp);
  EXPECT_EQ(live_tick_type(4), 4);
  EXPECT_EQ(size_tick_for_price(tick::kAsk), tick::kAskSize);
  EXPECT_EQ(size_tick_for_price(tick::kDelayedLast), tick::kDelayedLastSize);
  EXPECT_EQ(size_tick_for_price(tick::kHigh), -1);
}

}  // namespace
}  // namespace intentq::gw
