// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title AirdropDistributorClone
/// @notice The code behind every distributor that `AirdropDistributorFactory` deploys as a clone
///         (`AirdropDistributorFront`: the claim without vesting runs in the clone's own code,
///         every other call is delegated here). Same external interface, errors,
///         events and EIP-712 domain name as `AirdropDistributor`, so the same client code,
///         signatures and log decoders serve both; the domain's verifying contract is the clone.
/// @dev The per-distributor parameters are the last 126 bytes of the clone's own code,
///      packed as `token(20) root(32) start(8) deadline(8) clawbackTo(20) owner(20)
///      unlockedBps(2) cliff(8) duration(8)` (126 bytes) and are read with one EXTCODECOPY: a
///      clone writes no storage when it is created and reads no storage for its configuration.
///      The factory validates the parameters before cloning. There is no initializer, so there is
///      nothing to call twice; the owner is fixed for the clone's life (no ownership transfer).
///      Fee-on-transfer and rebasing tokens are NOT supported.
contract AirdropDistributorClone is EIP712, Nonces {
    using SafeERC20 for IERC20;

    /// @notice EIP-712 struct a recipient signs so a relayer can claim for them.
    bytes32 public constant CLAIM_TYPEHASH =
        keccak256("Claim(uint256 index,address account,uint256 amount,uint256 nonce,uint256 deadline)");

    uint256 private constant BPS = 10_000;
    uint256 private constant ARGS_LENGTH = 126;

    /// This contract's own address: only its clones (running it by DELEGATECALL) may claim.
    address private immutable _self;

    /// Claimed bits, 256 indexes per word.
    mapping(uint256 word => uint256) private _fullyClaimed;
    /// @notice Amount already paid per index; only written when vesting is on.
    mapping(uint256 index => uint256) public claimedAmount;

    /// The clone's parameters, as the factory packed them into its code.
    struct Config {
        address token;
        bytes32 root;
        uint64 start;
        uint64 deadline;
        address clawbackTo;
        address owner;
        uint16 unlockedBps;
        uint64 cliff;
        uint64 duration;
    }

    /// @notice A claim paid `amount` (this time) to `account` for leaf `index`.
    event Claimed(uint256 index, address account, uint256 amount);
    /// @notice The owner swept `amount` of leftover tokens to `to` after the deadline.
    event ClawedBack(address indexed to, uint256 amount);

    error ClaimNotStarted(uint64 start);
    error ClaimWindowClosed(uint64 deadline);
    error AlreadyClaimed(uint256 index);
    error InvalidProof();
    error NothingToClaim(uint256 index);
    error SignatureExpired(uint256 deadline);
    error InvalidSignature();
    error ClawbackBeforeDeadline(uint64 deadline);
    error NothingToClawBack();
    /// Same selector as OpenZeppelin's `Ownable`, so callers see the full contract's error.
    error OwnableUnauthorizedAccount(address account);
    /// Called on the implementation itself rather than through a clone.
    error NotAClone();

    constructor() EIP712("AirdropDistributor", "1") {
        _self = address(this);
    }

    /// @notice Claims what is claimable now for leaf (`index`, `account`, `amount`); pays `account`.
    /// @dev Anyone may submit; tokens always go to `account`. With vesting, call again later for more.
    /// @return paid Amount transferred by this call.
    function claim(uint256 index, address account, uint256 amount, bytes32[] calldata proof)
        external
        returns (uint256 paid)
    {
        // The lean path of a distributor without vesting (most claims): the fields it needs
        // read from one EXTCODECOPY kept in memory, no configuration struct.
        uint256 m = _args();
        {
            uint256 vesting;
            uint64 open;
            uint64 close;
            assembly ("memory-safe") {
                vesting := shr(192, mload(add(m, 118)))
                open := shr(192, mload(add(m, 52)))
                close := shr(192, mload(add(m, 60)))
            }
            if (vesting != 0) return _claim(_configAt(m), index, account, amount, proof);
            if (block.timestamp < open) revert ClaimNotStarted(open);
            if (block.timestamp >= close) revert ClaimWindowClosed(close);
        }
        uint256 word = index >> 8;
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = _fullyClaimed[word];
        if (bits & bit != 0) revert AlreadyClaimed(index);
        if (!_verify(proof, bytes32(_word(m, 20)), index, account, amount)) revert InvalidProof();
        _fullyClaimed[word] = bits | bit;
        // Effects are written before the transfer so a re-entrant token cannot claim twice.
        _payClaim(m, index, account, amount);
        return amount;
    }

    /// Emits `Claimed` and transfers `amount` of the token to `account`, with the checks of
    /// OpenZeppelin's `safeTransfer` (a token's revert is passed on; `false`, or no return data
    /// from an account without code, fails) in scratch memory past the args at `m`.
    function _payClaim(uint256 m, uint256 index, address account, uint256 amount) private {
        bytes32 topic = Claimed.selector;
        bytes4 failed = SafeERC20.SafeERC20FailedOperation.selector;
        assembly ("memory-safe") {
            let tok := shr(96, mload(m))
            let p := add(m, 0xa0)
            mstore(p, index)
            mstore(add(p, 0x20), account)
            mstore(add(p, 0x40), amount)
            log1(p, 0x60, topic)
            mstore(p, 0xa9059cbb00000000000000000000000000000000000000000000000000000000)
            mstore(add(p, 0x04), account)
            mstore(add(p, 0x24), amount)
            let ok := call(gas(), tok, 0, p, 0x44, 0x00, 0x20)
            if iszero(ok) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            switch returndatasize()
            case 0 { ok := gt(extcodesize(tok), 0) }
            default { ok := eq(mload(0x00), 1) }
            if iszero(ok) {
                mstore(p, failed)
                mstore(add(p, 0x04), tok)
                revert(p, 0x24)
            }
        }
    }

    /// @notice Claims for `account` with its EIP-712 signature of
    ///         `Claim(index, account, amount, nonces(account), sigDeadline)`, so a relayer pays gas.
    /// @dev ECDSA or EIP-1271; the domain binds the chain and this clone; nonces make it single-use.
    /// @return paid Amount transferred by this call.
    function claimWithSignature(
        uint256 index,
        address account,
        uint256 amount,
        bytes32[] calldata proof,
        uint256 sigDeadline,
        bytes calldata signature
    ) external returns (uint256 paid) {
        Config memory c = _config();
        if (block.timestamp > sigDeadline) revert SignatureExpired(sigDeadline);
        bytes32 digest = _hashTypedDataV4(
            keccak256(abi.encode(CLAIM_TYPEHASH, index, account, amount, _useNonce(account), sigDeadline))
        );
        if (!SignatureChecker.isValidSignatureNow(account, digest, signature)) revert InvalidSignature();
        return _claim(c, index, account, amount, proof);
    }

    /// @notice After the deadline, sends every remaining token to `clawbackTo`; owner only.
    /// @return amount Amount swept.
    function clawback() external returns (uint256 amount) {
        Config memory c = _config();
        if (msg.sender != c.owner) revert OwnableUnauthorizedAccount(msg.sender);
        if (block.timestamp < c.deadline) revert ClawbackBeforeDeadline(c.deadline);
        amount = IERC20(c.token).balanceOf(address(this));
        if (amount == 0) revert NothingToClawBack();
        emit ClawedBack(c.clawbackTo, amount);
        IERC20(c.token).safeTransfer(c.clawbackTo, amount);
    }

    /// @notice The token being distributed.
    function token() external view returns (address) {
        return _config().token;
    }

    /// @notice Root of the Merkle tree of (index, account, amount) leaves.
    function merkleRoot() external view returns (bytes32) {
        return _config().root;
    }

    /// @notice First second (unix) at which claims are accepted.
    function start() external view returns (uint64) {
        return _config().start;
    }

    /// @notice First second (unix) at which claims are refused and clawback becomes possible.
    function deadline() external view returns (uint64) {
        return _config().deadline;
    }

    /// @notice Receiver of whatever is left after the deadline.
    function clawbackTo() external view returns (address) {
        return _config().clawbackTo;
    }

    /// @notice The only account allowed to call `clawback`.
    function owner() external view returns (address) {
        return _config().owner;
    }

    /// @notice Share of each allocation unlocked at `start`, in basis points.
    function unlockedBps() external view returns (uint16) {
        return _config().unlockedBps;
    }

    /// @notice Seconds after `start` before which only the unlocked share is claimable.
    function cliff() external view returns (uint64) {
        return _config().cliff;
    }

    /// @notice Seconds after `start` at which the whole allocation is vested; 0 = no vesting.
    function duration() external view returns (uint64) {
        return _config().duration;
    }

    /// @notice Whether leaf `index` has been paid in full.
    function isClaimed(uint256 index) external view returns (bool) {
        return _fullyClaimed[index >> 8] & (1 << (index & 0xff)) != 0;
    }

    /// @notice Part of an allocation of `amount` vested at unix second `timestamp` (same curve as
    ///         `AirdropDistributor.vestedAmount`).
    function vestedAmount(uint256 amount, uint256 timestamp) external view returns (uint256) {
        return _vested(_config(), amount, timestamp);
    }

    /// @notice What a claim for leaf (`index`, `amount`) would pay now (the proof is not checked).
    function claimableAmount(uint256 index, uint256 amount) external view returns (uint256) {
        Config memory c = _config();
        bool claimed = _fullyClaimed[index >> 8] & (1 << (index & 0xff)) != 0;
        if (claimed || block.timestamp < c.start || block.timestamp >= c.deadline) return 0;
        if (c.duration == 0) return amount;
        return _vested(c, amount, block.timestamp) - claimedAmount[index];
    }

    function _vested(Config memory c, uint256 amount, uint256 timestamp) private pure returns (uint256) {
        if (timestamp < c.start) return 0;
        if (c.duration == 0) return amount;
        uint256 elapsed = timestamp - c.start;
        if (elapsed >= c.duration) return amount;
        uint256 unlocked = amount * c.unlockedBps / BPS;
        if (elapsed < c.cliff) return unlocked;
        return unlocked + (amount - unlocked) * elapsed / c.duration;
    }

    function _claim(Config memory c, uint256 index, address account, uint256 amount, bytes32[] calldata proof)
        private
        returns (uint256 paid)
    {
        if (block.timestamp < c.start) revert ClaimNotStarted(c.start);
        if (block.timestamp >= c.deadline) revert ClaimWindowClosed(c.deadline);
        uint256 word = index >> 8;
        uint256 bit = 1 << (index & 0xff);
        uint256 bits = _fullyClaimed[word];
        if (bits & bit != 0) revert AlreadyClaimed(index);
        if (!_verify(proof, c.root, index, account, amount)) revert InvalidProof();

        if (c.duration == 0) {
            paid = amount;
            _fullyClaimed[word] = bits | bit;
        } else {
            uint256 already = claimedAmount[index];
            uint256 vested = _vested(c, amount, block.timestamp);
            paid = vested - already;
            if (paid == 0) revert NothingToClaim(index);
            claimedAmount[index] = vested;
            if (vested == amount) _fullyClaimed[word] = bits | bit;
        }

        // Effects are written before the transfer so a re-entrant token cannot claim twice.
        emit Claimed(index, account, paid);
        IERC20(c.token).safeTransfer(account, paid);
    }

    /// Uniswap leaf and sorted-pair proof, hashed from calldata in scratch space (no memory copy
    /// of the proof, no allocation).
    function _verify(bytes32[] calldata proof, bytes32 root, uint256 index, address account, uint256 amount)
        private
        pure
        returns (bool ok)
    {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, index)
            mstore(add(m, 0x20), shl(96, account))
            mstore(add(m, 0x34), amount)
            let h := keccak256(m, 0x54)
            let p := proof.offset
            let end := add(p, shl(5, proof.length))
            // Four levels per round (a quarter of the loop overhead), the remainder one by one.
            for { let odd := add(p, shl(5, and(proof.length, 3))) } lt(p, odd) { p := add(p, 0x20) } {
                let s := calldataload(p)
                let swap := gt(h, s)
                mstore(shl(5, swap), h)
                mstore(shl(5, iszero(swap)), s)
                h := keccak256(0x00, 0x40)
            }
            for {} lt(p, end) { p := add(p, 0x80) } {
                let s := calldataload(p)
                let swap := gt(h, s)
                mstore(shl(5, swap), h)
                mstore(shl(5, iszero(swap)), s)
                h := keccak256(0x00, 0x40)
                s := calldataload(add(p, 0x20))
                swap := gt(h, s)
                mstore(shl(5, swap), h)
                mstore(shl(5, iszero(swap)), s)
                h := keccak256(0x00, 0x40)
                s := calldataload(add(p, 0x40))
                swap := gt(h, s)
                mstore(shl(5, swap), h)
                mstore(shl(5, iszero(swap)), s)
                h := keccak256(0x00, 0x40)
                s := calldataload(add(p, 0x60))
                swap := gt(h, s)
                mstore(shl(5, swap), h)
                mstore(shl(5, iszero(swap)), s)
                h := keccak256(0x00, 0x40)
            }
            ok := eq(h, root)
        }
    }

    /// The clone's args copied into newly allocated memory; returns where.
    function _args() private view returns (uint256 m) {
        if (address(this) == _self) revert NotAClone();
        assembly ("memory-safe") {
            m := mload(0x40)
            extcodecopy(address(), m, sub(extcodesize(address()), ARGS_LENGTH), ARGS_LENGTH)
            mstore(0x40, add(m, 0xa0))
        }
    }

    /// The 32 bytes at `offset` of the args at `m`.
    function _word(uint256 m, uint256 offset) private pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(m, offset))
        }
    }

    /// The clone's parameters, with one EXTCODECOPY of its own code.
    function _config() private view returns (Config memory) {
        return _configAt(_args());
    }

    /// The parameters decoded from the args at `m`.
    function _configAt(uint256 m) private pure returns (Config memory c) {
        assembly ("memory-safe") {
            mstore(c, shr(96, mload(m)))
            mstore(add(c, 0x20), mload(add(m, 20)))
            mstore(add(c, 0x40), shr(192, mload(add(m, 52))))
            mstore(add(c, 0x60), shr(192, mload(add(m, 60))))
            mstore(add(c, 0x80), shr(96, mload(add(m, 68))))
            mstore(add(c, 0xa0), shr(96, mload(add(m, 88))))
            mstore(add(c, 0xc0), shr(240, mload(add(m, 108))))
            mstore(add(c, 0xe0), shr(192, mload(add(m, 110))))
            mstore(add(c, 0x100), shr(192, mload(add(m, 118))))
        }
    }
}
